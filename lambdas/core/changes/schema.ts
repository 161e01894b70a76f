import * as z from 'zod/mini';

/**
 * The change event: what the stack puts on its EventBridge bus for every record created or changed. This zod
 * schema is the single source of the event's types and of its published JSON Schema (docs/change-event.schema.json
 * and the bus's schema registry); docs/change-events.md explains it. Objects are open: fields may be added, never
 * taken away or changed in meaning.
 */

const text = (description: string) => z.string().check(z.describe(description));
const number = (description: string) => z.number().check(z.describe(description));

/** One changed field (a dot path of the record), before and after; values left out when the event would be too big. */
export const fieldChangeSchema = z
  .looseObject({
    from: z.optional(z.unknown().check(z.describe('The value before; absent when the field did not exist.'))),
    to: z.optional(z.unknown().check(z.describe('The value after; absent when the field was removed.'))),
    omitted: z.optional(
      z.literal(true).check(z.describe('`from` and `to` were left out to keep the event under 256 KB.')),
    ),
  })
  .check(z.describe('One field that changed: its value before and after.'));

export const changeDetailSchema = z
  .looseObject({
    eventId: z
      .string()
      .check(
        z.regex(/^[0-9a-f]{64}$/),
        z.describe(
          'Stable across redeliveries and replays: sha256 (hex) of provider, type, key, version and content. Dedupe on it.',
        ),
      ),
    provider: text('The provider the record is from, e.g. `github`.'),
    type: text('The record type, e.g. `issue`, `fixture`.'),
    key: text("The record's key within its type (the provider's id)."),
    version: number(
      "The record's version: the provider's, or for a polled record without one the time its content was fetched (epoch ms). Grows per key: order by it.",
    ),
    change: z
      .enum(['created', 'changed'])
      .check(z.describe('`created`: first seen; `changed`: other content than before.')),
    changed: z
      .record(z.string(), fieldChangeSchema)
      .check(
        z.describe(
          'The fields that changed, by dot path (`fixture.status.short`); arrays compare whole. Empty for `created`.',
        ),
      ),
    record: z.optional(
      z
        .record(z.string(), z.unknown())
        .check(
          z.describe(
            "The record's data after the change; its biggest fields are left out when the event would be over 256 KB (see `omitted`).",
          ),
        ),
    ),
    omitted: z.optional(
      z.array(z.string()).check(z.describe('Top-level fields of `record` left out to keep the event under 256 KB.')),
    ),
    recordUrl: z.optional(
      text('Set when fields are left out: the records API path that serves the whole record (its latest version).'),
    ),
    origin: text('`webhook` (a provider event) or `poll:<name>` (a scheduled sync).'),
    writtenAt: number('When the record was written (epoch ms).'),
  })
  .check(z.describe('A record created or changed.'));

export type FieldChange = z.infer<typeof fieldChangeSchema>;
export type ChangeDetail = z.infer<typeof changeDetailSchema>;

/** The event as EventBridge delivers it to a rule's target: its envelope, with the detail above. */
export const changeEventSchema = z
  .looseObject({
    version: text('EventBridge envelope version (`0`).'),
    id: text("EventBridge's own id: new for every put and every replay. Dedupe on `detail.eventId` instead."),
    'detail-type': text('`<type>.created` or `<type>.changed`.'),
    source: z.string().check(z.regex(/^integration\.[a-z0-9-]+$/), z.describe('`integration.<provider>`.')),
    account: text('The AWS account of the bus.'),
    time: text('When the event was put (ISO 8601).'),
    region: text('The region of the bus.'),
    resources: z.array(z.string()),
    'replay-name': z.optional(text('Set by EventBridge on events an archive replays.')),
    detail: changeDetailSchema,
  })
  .check(z.describe('A change event of the integration stack, as a rule target receives it.'));

export type ChangeEvent = z.infer<typeof changeEventSchema>;
