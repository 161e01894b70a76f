import { randomUUID } from 'node:crypto';
import { ProviderSimulator, type SimRequest, type SimResponse, type SimulatorOptions } from './base';
import { type Attempt, RETRY_SCHEDULES, WebhookSender } from './sender';

/** "Simple webhook delivery" (docs.github.com/rest/repos/webhooks#list-deliveries-for-a-repository-webhook). */
export interface GithubDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  duration: number;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
  installation_id: number | null;
  repository_id: number | null;
  throttled_at: string | null;
}

interface Stored {
  row: GithubDelivery;
  request: { headers: Record<string, string>; payload: string };
}

export interface GithubSimulatorOptions extends Omit<SimulatorOptions, 'auth'> {
  /** The token callers must send as `Authorization: Bearer ...`. */
  token: string;
}

/** "You can redeliver webhook deliveries that occurred in the past 3 days" (github.com). */
export const GITHUB_DELIVERY_RETENTION_MS = 3 * 86_400_000;

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const notFound = (): SimResponse => ({
  status: 404,
  body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' },
});

/** A delivery's `status` text as GitHub shows it. */
function statusText(a: Attempt): string {
  if (a.ok) return 'OK';
  return a.status === 0 ? 'failed to connect' : `Invalid HTTP Response: ${a.status}`;
}

/**
 * GitHub's hook deliveries (repository and organization hooks): each webhook sent to the stack once (GitHub does not
 * retry), every attempt a delivery row; `GET .../hooks/{hook_id}/deliveries` newest first (`per_page` up to 100,
 * `cursor` through `Link`, `status=success|failure`) within 3 days; `GET .../deliveries/{id}`; and
 * `POST .../deliveries/{id}/attempts` (202), which sends the same payload and `X-GitHub-Delivery` guid again and
 * adds a new row (`redelivery: true`), or 422 past 3 days. Hooks are `owner/repo/hook_id` or `org/hook_id`.
 *
 * @example
 * const sim = new GithubSimulator({ token: 'ghp_x' });
 * sim.sender.target = { url: `${stack.url}/webhooks/github`, scheme: 'github', secret };
 * sim.emit('Codertocat/Hello-World/292430182', { body, headers }); // delivered once; recovery redelivers a failure
 */
export class GithubSimulator extends ProviderSimulator {
  /** Per hook, oldest first. */
  readonly hooks = new Map<string, Stored[]>();
  readonly sender: WebhookSender;
  private nextId = 41_234_567_890;

  constructor(opts: GithubSimulatorOptions) {
    super({ ...opts, auth: { kind: 'bearer', token: opts.token } });
    this.sender = new WebhookSender(this.timeline, RETRY_SCHEDULES.github);
    for (const base of ['/repos/:owner/:repo/hooks/:hook_id', '/orgs/:org/hooks/:hook_id']) {
      this.route('GET', `${base}/deliveries`, (req) => this.list(req));
      this.route('GET', `${base}/deliveries/:delivery_id`, (req) => this.get(req));
      this.route('POST', `${base}/deliveries/:delivery_id/attempts`, (req) => this.redeliver(req));
    }
    // Test and ops hooks: a webhook GitHub sends now (or records as failed, our endpoint down), and every row.
    this.controlRoute('POST', '/_events', (req) => ({ body: { guid: this.emitFromControl(req.body) } }));
    this.controlRoute('GET', '/_deliveries', () => ({ body: [...this.hooks.values()].flat().map((s) => s.row) }));
  }

  /**
   * GitHub sends `body` with `headers` (its event name, a guid) to the hook's URL: `send` (default when a target is
   * set) posts it, `failed` only records a failed row, as if our endpoint had been down. Returns the guid.
   */
  emit(
    hook: string,
    d: { body: string; headers: Record<string, string> },
    delivery: 'send' | 'failed' = this.sender.target ? 'send' : 'failed',
  ): string {
    const guid = d.headers['x-github-delivery'] ?? randomUUID();
    const headers = { ...d.headers, 'x-github-delivery': guid, 'x-github-hook-id': hook.split('/').at(-1)! };
    const request = { headers, payload: d.body };
    if (delivery === 'failed') {
      this.record(hook, request, { id: guid, attempt: 1, at: this.now(), status: 0, ok: false, redelivery: false });
      return guid;
    }
    this.sender.deliver({ id: guid, body: d.body, headers }, { onAttempt: (a) => this.record(hook, request, a) });
    return guid;
  }

  private emitFromControl(body: string): string {
    const input = JSON.parse(body || '{}') as {
      hook?: string;
      event?: string;
      payload?: unknown;
      delivery?: 'send' | 'failed';
    };
    const hook = input.hook ?? [...this.hooks.keys()][0] ?? 'Codertocat/Hello-World/292430182';
    const payload = JSON.stringify(
      input.payload ?? { zen: 'Design for failure.', hook_id: Number(hook.split('/').at(-1)) },
    );
    return this.emit(hook, { body: payload, headers: { 'x-github-event': input.event ?? 'ping' } }, input.delivery);
  }

  private record(hook: string, request: Stored['request'], a: Attempt): void {
    const body = JSON.parse(request.payload) as { action?: unknown; repository?: { id?: unknown } };
    const row: GithubDelivery = {
      id: this.nextId++,
      guid: a.id,
      delivered_at: iso(a.at),
      redelivery: a.redelivery,
      duration: 0.05,
      status: statusText(a),
      status_code: a.status,
      event: request.headers['x-github-event'] ?? 'unknown',
      action: typeof body.action === 'string' ? body.action : null,
      installation_id: null,
      repository_id: typeof body.repository?.id === 'number' ? body.repository.id : null,
      throttled_at: null,
    };
    this.hooks.set(hook, [...(this.hooks.get(hook) ?? []), { row, request }]);
  }

  private hookOf(req: SimRequest): string {
    const p = req.params;
    return p.org !== undefined ? `${p.org}/${p.hook_id}` : `${p.owner}/${p.repo}/${p.hook_id}`;
  }

  /** The hook's rows GitHub still shows, newest first. */
  private kept(req: SimRequest): Stored[] {
    const oldest = this.now() - GITHUB_DELIVERY_RETENTION_MS;
    return (this.hooks.get(this.hookOf(req)) ?? []).filter((s) => Date.parse(s.row.delivered_at) >= oldest).reverse();
  }

  private list(req: SimRequest): SimResponse {
    const perPage = Number(req.query.get('per_page') ?? 30);
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100)
      return { status: 422, body: { message: 'Validation Failed', status: '422' } };
    const status = req.query.get('status');
    const rows = this.kept(req).filter(
      (s) =>
        status === null ||
        (status === 'success' ? s.row.status_code >= 200 && s.row.status_code < 400 : s.row.status_code >= 400),
    );
    const cursor = req.query.get('cursor');
    const after = cursor ? Number(Buffer.from(cursor, 'base64url').toString('utf8')) : undefined;
    const start = after === undefined ? 0 : rows.findIndex((s) => s.row.id < after);
    const page = start < 0 ? [] : rows.slice(start, start + perPage);
    const more = start >= 0 && start + perPage < rows.length;
    const next = new URL(req.url);
    next.searchParams.set('per_page', String(perPage));
    next.searchParams.set('cursor', Buffer.from(String(page.at(-1)?.row.id ?? 0)).toString('base64url'));
    return { body: page.map((s) => s.row), headers: more ? { link: `<${next.toString()}>; rel="next"` } : {} };
  }

  private find(req: SimRequest): Stored | undefined {
    const id = Number(req.params.delivery_id);
    return (this.hooks.get(this.hookOf(req)) ?? []).find((s) => s.row.id === id);
  }

  private get(req: SimRequest): SimResponse {
    const found = this.find(req);
    if (!found) return notFound();
    return {
      body: { ...found.row, url: req.url.toString(), request: found.request, response: { headers: {}, payload: null } },
    };
  }

  private redeliver(req: SimRequest): SimResponse {
    const found = this.find(req);
    if (!found) return notFound();
    if (Date.parse(found.row.delivered_at) < this.now() - GITHUB_DELIVERY_RETENTION_MS)
      return {
        status: 422,
        body: {
          message: 'Validation Failed',
          errors: [{ resource: 'Hook', code: 'custom', message: 'Delivery is too old' }],
          status: '422',
        },
      };
    const { headers, payload } = found.request;
    const hook = this.hookOf(req);
    this.sender.deliver(
      { id: found.row.guid, body: payload, headers },
      { redelivery: true, onAttempt: (a) => this.record(hook, found.request, a) },
    );
    return { status: 202, body: {} };
  }
}
