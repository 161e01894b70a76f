import { IntegrationError } from './errors';
import { jsonTooDeep, MAX_JSON_DEPTH } from './json-depth';

/** The `details.reason` of a body refused for its nesting (the ingest's 400 says it). */
export const TOO_DEEP = 'nesting_too_deep';

/** JSON.parse, refusing (permanent `invalid_payload`) text nested deeper than MAX_JSON_DEPTH before parsing it. */
export function parseBoundedJson(text: string): unknown {
  if (jsonTooDeep(text))
    throw new IntegrationError('invalid_payload', `JSON nests deeper than ${MAX_JSON_DEPTH} levels`, {
      details: { reason: TOO_DEEP },
    });
  return JSON.parse(text) as unknown;
}

/**
 * A webhook body as its provider sends it: JSON, or a form (`application/x-www-form-urlencoded`) as
 * GitHub's form content type and Slack's slash commands and interactivity send, where a `payload`
 * field holds the JSON and any other form is read as flat fields. Throws on anything else, and on JSON nested
 * deeper than MAX_JSON_DEPTH (an IntegrationError whose `details.reason` is TOO_DEEP).
 *
 * @example
 * parseWebhookBody('payload=%7B%22a%22%3A1%7D', 'application/x-www-form-urlencoded') // { a: 1 }
 */
export function parseWebhookBody(rawBody: string, contentType: string | undefined): unknown {
  if (contentType && /^application\/x-www-form-urlencoded\b/i.test(contentType.trim())) {
    const form = new URLSearchParams(rawBody);
    const payload = form.get('payload');
    if (payload !== null) return parseBoundedJson(payload);
    if ([...form.keys()].length === 0) throw new SyntaxError('empty form body');
    return Object.fromEntries(form);
  }
  return parseBoundedJson(rawBody);
}
