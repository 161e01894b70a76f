/**
 * A route: when a record of one provider changes in a way its `when` describes, send a command to another provider,
 * its input a template over the changed record. Routes are data (lambdas/routes.ts), checked at synth time
 * (validate.ts), deployed as one EventBridge rule and one small function each (lib/change-routes.ts), and run the
 * same way by the local stack. docs/change-events.md, "Routes".
 */

/** A JSON scalar a field can become. */
export type Scalar = string | number | boolean | null;

/**
 * A small predicate on one change:
 * - `{ field, becomes }`: the field (a dot path of the record) holds the value now and did not before (a record
 *   seen for the first time did not hold it before);
 * - `{ field, added }`: the field is an array that now has an item equal to `added` (a scalar, or an object whose
 *   given fields match) and had none before;
 * - `{ change }`: the record was `created` (first seen) or `changed`;
 * - `{ all }` / `{ any }`: every one / at least one of several.
 */
export type When =
  | { field: string; becomes: Scalar }
  | { field: string; added: Scalar | Record<string, Scalar> }
  | { change: 'created' | 'changed' }
  | { all: When[] }
  | { any: When[] };

/** A value of a command's input: text with `{{path}}` placeholders, or objects and arrays of them, or plain JSON. */
export type Template = string | number | boolean | null | Template[] | { [key: string]: Template };

export interface Route {
  /** Lower-case, digits and dashes (at most 40): in resource names, command ids and logs. */
  name: string;
  description?: string;
  on: { provider: string; type: string; when?: When };
  /**
   * The command: `input` renders `{{record.<path>}}` (the record after the change), `{{key}}`, `{{type}}`,
   * `{{provider}}`, `{{version}}` and `{{eventId}}`; a string that is only one placeholder keeps the value's type.
   */
  do: { provider: string; operation: string; input: { [key: string]: Template } };
}

/**
 * Declares routes with their types checked (a plain array works as well).
 *
 * @example
 * export const ROUTES = defineRoutes([{ name: 'bug-to-trello', on: { provider: 'github', type: 'issue', when: { field: 'labels', added: { name: 'bug' } } }, do: { provider: 'trello', operation: 'createCard', input: { ref: 'gh:{{key}}', idList, name: '{{record.title}}' } } }]);
 */
export const defineRoutes = (routes: Route[]): readonly Route[] => routes;

/** A route's names: `[a-z0-9-]`, 40 at most, so `<name>.<event id>` stays a valid command id. */
export const ROUTE_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;

/**
 * The command id of a route's command for one change: the route's name and the change event's id, so a
 * redelivered or replayed event, or a second run, makes the same command, which the writer runs once.
 *
 * @example
 * routeCommandId('bug-to-trello', '9f2c...') // 'bug-to-trello.9f2c...'
 */
export const routeCommandId = (route: string, eventId: string): string => `${route}.${eventId}`;

/**
 * The routes a stack of these providers can run: both ends present (a stack built for a few providers, a test's).
 *
 * @example
 * routesFor(ROUTES, [github, trello]) // the GitHub-to-Trello route only
 */
export function routesFor(routes: readonly Route[], providers: readonly { name: string; writes?: object }[]): Route[] {
  const has = (name: string) => providers.find((p) => p.name === name);
  return routes.filter((r) => has(r.on.provider) && has(r.do.provider)?.writes);
}
