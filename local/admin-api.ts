import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DeadLetter } from '../lambdas/core/dead-letter-summary';
import type { QueueMessage } from '../lambdas/core/ports';
import { QUEUE_KINDS, type QueueKind } from '../lambdas/core/resource-tags';
import { type MissedRun, missedRun } from '../lambdas/core/scheduler-dead-letter';
import type { LocalChanges } from './changes';
import { decodePathPart } from './api-gateway';
import type { LocalQueue, StoredMessage } from './queue';
import { localRequestRefusal } from './request-guard';

/** A dead letter as the ops CLI reads it: what SQS ReceiveMessage gives, body included. */
export const deadLetter = (m: StoredMessage): DeadLetter => ({
  messageId: m.messageId,
  sentAt: m.sentAt,
  attributes: m.attributes,
  bodyBytes: Buffer.byteLength(m.body),
  body: m.body,
});

/**
 * Moves DLQ messages (every one, or those named, in that order) back to its queue, attributes kept, as SQS's
 * StartMessageMoveTask does.
 */
export function redriveLocal(from: LocalQueue, to: LocalQueue, messageIds?: readonly string[]): number {
  const all = from.list();
  const chosen = messageIds
    ? messageIds.map((id) => all.find((m) => m.messageId === id)).filter((m) => m !== undefined)
    : all;
  let moved = 0;
  for (const m of chosen) {
    if (!from.remove(m.messageId)) continue;
    to.put({ body: m.body, attributes: m.attributes });
    moved += 1;
  }
  return moved;
}

/**
 * A provider's queue of one kind: the poller's and the recovery's schedules have no work queue (locally each has one
 * DLQ, shared by every provider).
 */
export interface AdminQueue {
  queue?: LocalQueue;
  dlq: LocalQueue;
  /** Which of the DLQ's messages are this provider's (the shared scheduler DLQs). */
  owns?(m: StoredMessage): boolean;
}

export interface AdminApiParts {
  queues: Partial<Record<QueueKind, Record<string, AdminQueue>>>;
  /** Runs one poll as its schedule would (ops redrive --queue scheduler). */
  runPoll?(provider: string, poll: string): Promise<unknown>;
  /** Runs one missed-webhook recovery as its schedule would (ops redrive --queue recovery). */
  runRecovery?(provider: string, recovery: string): Promise<unknown>;
  /** The change DLQ and the bus archive's replay. */
  changes?: LocalChanges;
}

type SharedDlq = { dlq: LocalQueue; providers: string[] } | undefined;

/** Each provider's share of a DLQ every provider's schedules send to: its missed runs of that kind. */
function shares(shared: SharedDlq, kind: MissedRun['kind']): Record<string, AdminQueue> {
  const owner = (body: string) => {
    const run = missedRun(body);
    return run?.kind === kind ? run.provider : undefined;
  };
  return Object.fromEntries(
    (shared?.providers ?? []).map((p) => [p, { dlq: shared!.dlq, owns: (m: StoredMessage) => owner(m.body) === p }]),
  );
}

/** Every provider's queues of the given kinds, the scheduler DLQs filtered to each provider's missed runs. */
export function adminQueues(
  webhooks: Record<string, { queue: LocalQueue; dlq: LocalQueue }>,
  commands: Record<string, { queue: LocalQueue; dlq: LocalQueue }>,
  scheduler: SharedDlq,
  recovery?: SharedDlq,
): AdminApiParts['queues'] {
  return {
    webhooks,
    commands,
    scheduler: shares(scheduler, 'poll'),
    recovery: shares(recovery, 'recovery'),
  };
}

const MAX_ADMIN_BODY = 64 * 1024 * 1024;
const QUEUE_PATH = new RegExp(`^/_local/queues/([^/]+)(?:/(${QUEUE_KINDS.join('|')}))?/(dlq|redrive|delete|messages)$`);

/**
 * The local stack's admin API for `npm run ops` (which runs in another process), always on
 * 127.0.0.1: it can read and move queued messages, so it is never exposed beyond this machine, and a browser page
 * cannot reach it either (localRequestRefusal: no cross-site request, JSON bodies only). `{kind}` is webhooks (the
 * default), commands, scheduler or recovery.
 *
 *   GET  /_local/queues                                   depth of every queue and DLQ
 *   GET  /_local/queues/{provider}/{kind}/dlq?limit=N     dead-lettered messages with attributes and body
 *   POST /_local/queues/{provider}/{kind}/redrive         { messageIds? } moves them (default all) back -> { moved }
 *   POST /_local/queues/{provider}/{kind}/delete          { messageIds } deletes them from the DLQ -> { deleted }
 *   POST /_local/queues/{provider}/messages               { messages: [{ body, attributes }] } -> { enqueued }
 *   POST /_local/polls/{provider}/{poll}/run              runs the poll as its schedule would -> { summary }
 *   POST /_local/recoveries/{provider}/{recovery}/run     runs the recovery as its schedule would -> { summary }
 *   GET  /_local/changes/dlq?limit=N                      the change DLQ (stream and route failures) with reasons
 *   POST /_local/changes/dlq/delete                       { messageIds } deletes them from the change DLQ -> { deleted }
 *   POST /_local/changes/replay                           { provider?, type?, since? } -> { replayed }: archive to routes,
 *                                                         answered once the routes ran (refusals are in the DLQ by then)
 *
 * @example
 * const admin = await startAdminApi({ queues: { webhooks: queues } });
 * await fetch(`${admin.url}/_local/queues/github/webhooks/redrive`, { method: 'POST' });
 */
export async function startAdminApi(parts: AdminApiParts): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(
    (req, res) =>
      void handle(parts, req, res).catch((err: unknown) => send(res, 500, { error: (err as Error).message })),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function depths(parts: AdminApiParts) {
  return Object.entries(parts.queues).flatMap(([kind, byProvider]) =>
    Object.entries(byProvider ?? {}).map(([provider, q]) => ({
      provider,
      kind,
      queue: q.queue?.depth(),
      dlq: q.owns ? q.dlq.list().filter(q.owns).length : q.dlq.depth().total,
    })),
  );
}

async function handle(parts: AdminApiParts, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // Every admin route, present and future, passes the same guard as the command routes.
  const refusal = localRequestRefusal({ method: req.method ?? 'GET', headers: req.headers });
  if (refusal) return send(res, refusal.status, { error: refusal.error });
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (req.method === 'GET' && url.pathname === '/_local/queues') return send(res, 200, depths(parts));
  if (parts.changes && url.pathname.startsWith('/_local/changes/')) return changesRoute(req, res, url, parts.changes);
  const run = /^\/_local\/(polls|recoveries)\/([^/]+)\/([^/]+)\/run$/.exec(url.pathname);
  if (run && req.method === 'POST') {
    const runner = run[1] === 'polls' ? parts.runPoll : parts.runRecovery;
    if (!runner) return send(res, 404, { error: `this stack runs no ${run[1]}` });
    const [provider, name] = [decodePathPart(run[2]!), decodePathPart(run[3]!)];
    if (provider === undefined || name === undefined) return send(res, 400, { error: 'malformed_path' });
    return send(res, 200, { summary: await runner(provider, name) });
  }
  const match = QUEUE_PATH.exec(url.pathname);
  const kind = (match?.[2] ?? 'webhooks') as QueueKind;
  const name = match ? decodePathPart(match[1]!) : undefined;
  if (match && name === undefined) return send(res, 400, { error: 'malformed_path' });
  const byProvider = parts.queues[kind];
  const q = name !== undefined && byProvider && Object.hasOwn(byProvider, name) ? byProvider[name] : undefined;
  if (!match || !q) return send(res, 404, { error: 'not_found' });
  const action = match[3];
  const mine = () => q.dlq.list().filter((m) => !q.owns || q.owns(m));
  if (action === 'dlq' && req.method === 'GET') {
    const limit = Number(url.searchParams.get('limit') ?? 100);
    const all = mine();
    return send(res, 200, {
      messages: all.slice(0, Number.isFinite(limit) ? limit : 100).map(deadLetter),
      total: all.length,
    });
  }
  if (req.method !== 'POST') return send(res, 405, { error: 'method_not_allowed' });
  const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as {
    messages?: QueueMessage[];
    messageIds?: string[];
  };
  const ids = Array.isArray(body.messageIds) ? body.messageIds : mine().map((m) => m.messageId);
  if (action === 'redrive') {
    if (!q.queue) return send(res, 400, { error: `the ${kind} DLQ has no queue to move back to` });
    return send(res, 200, { moved: redriveLocal(q.dlq, q.queue, ids) });
  }
  if (action === 'delete') return send(res, 200, { deleted: ids.filter((id) => q.dlq.remove(id)).length });
  if (action === 'messages' && q.queue) {
    const messages = Array.isArray(body.messages) ? body.messages : [];
    for (const m of messages) q.queue.put({ body: String(m.body), attributes: { ...m.attributes } });
    return send(res, 200, { enqueued: messages.length });
  }
  return send(res, 405, { error: 'method_not_allowed' });
}

/** The change DLQ and archive replay (`npm run ops -- changes --dlq`, `--replay`). */
async function changesRoute(req: IncomingMessage, res: ServerResponse, url: URL, changes: LocalChanges): Promise<void> {
  if (url.pathname === '/_local/changes/dlq' && req.method === 'GET') {
    const limit = Number(url.searchParams.get('limit') ?? 100);
    const messages = changes.dlq
      .list()
      .slice(0, Number.isFinite(limit) ? limit : 100)
      .map(deadLetter);
    return send(res, 200, { messages, total: changes.dlq.depth().total });
  }
  if (url.pathname === '/_local/changes/dlq/delete' && req.method === 'POST') {
    const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as { messageIds?: unknown };
    // Only the ids named: a message that arrived after the operator listed the DLQ stays.
    if (!Array.isArray(body.messageIds)) return send(res, 400, { error: 'messageIds: an array of message ids' });
    return send(res, 200, { deleted: body.messageIds.filter((id) => changes.dlq.remove(String(id))).length });
  }
  if (url.pathname === '/_local/changes/replay' && req.method === 'POST') {
    const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as Record<string, string | undefined>;
    const replayed = await changes.bus.replay({ provider: body.provider, type: body.type, since: body.since });
    await changes.bus.drained();
    return send(res, 200, { replayed });
  }
  return send(res, 404, { error: 'not_found' });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_ADMIN_BODY) throw new Error('request too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
