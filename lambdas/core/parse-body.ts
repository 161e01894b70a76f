/**
 * A webhook body as its provider sends it: JSON, or a form (`application/x-www-form-urlencoded`) as
 * GitHub's form content type and Slack's slash commands and interactivity send, where a `payload`
 * field holds the JSON and any other form is read as flat fields. Throws on anything else.
 *
 * @example
 * parseWebhookBody('payload=%7B%22a%22%3A1%7D', 'application/x-www-form-urlencoded') // { a: 1 }
 */
export function parseWebhookBody(rawBody: string, contentType: string | undefined): unknown {
  if (contentType && /^application\/x-www-form-urlencoded\b/i.test(contentType.trim())) {
    const form = new URLSearchParams(rawBody);
    const payload = form.get('payload');
    if (payload !== null) return JSON.parse(payload) as unknown;
    if ([...form.keys()].length === 0) throw new SyntaxError('empty form body');
    return Object.fromEntries(form);
  }
  return JSON.parse(rawBody) as unknown;
}
