import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DeadLetter } from '../lambdas/core/dead-letter-summary';
import type { QueueMessage } from '../lambdas/core/ports';
import { decodePathPart } from './api-gateway';
import type { LocalQueue, StoredMessage } from './queue';
import { localRequestRefusal } from './request-guard';

export const deadLetter = (m: StoredMessage): DeadLetter => ({
  messageId: m.messageId,
  sentAt: m.sentAt,
  attributes: m.attributes,
  bodyBytes: Buffer.byteLength(m.body),
});

/** Moves every DLQ message back to its queue, attributes kept, as SQS's StartMessageMoveTask does. */
export function redriveLocal(from: LocalQueue, to: LocalQueue): number {
  let moved = 0;
  for (const m of from.list()) {
    if (!from.remove(m.messageId)) continue;
    to.put({ body: m.body, attributes: m.attributes });
    moved += 1;
  }
  return moved;
}

const MAX_ADMIN_BODY = 64 * 1024 * 1024;

/**
 * The local stack's admin API for `npm run ops` (which runs in another process), always on
 * 127.0.0.1: it can read and move queued webhooks, so it is never exposed beyond this machine, and a browser page
 * cannot reach it either (localRequestRefusal: no cross-site request, JSON bodies only).
 *
 *   GET  /_local/queues                            depth of every provider's queue and DLQ
 *   GET  /_local/queues/{provider}/dlq?limit=N     dead-lettered messages with their attributes
 *   POST /_local/queues/{provider}/redrive         moves the DLQ back to the queue -> { moved }
 *   POST /_local/queues/{provider}/messages        { messages: [{ body, attributes }] } -> { enqueued }
 *
 * @example
 * const admin = await startAdminApi(queues);
 * await fetch(`${admin.url}/_local/queues/github/redrive`, { method: 'POST' });
 */
export async function startAdminApi(
  queues: Record<string, { queue: LocalQueue; dlq: LocalQueue }>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(
    (req, res) => void handle(req, res).catch((err: unknown) => send(res, 500, { error: (err as Error).message })),
  );

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Every admin route, present and future, passes the same guard as the command routes.
    const refusal = localRequestRefusal({ method: req.method ?? 'GET', headers: req.headers });
    if (refusal) return send(res, refusal.status, { error: refusal.error });
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname === '/_local/queues') {
      return send(
        res,
        200,
        Object.entries(queues).map(([provider, q]) => ({ provider, queue: q.queue.depth(), dlq: q.dlq.depth() })),
      );
    }
    const match = /^\/_local\/queues\/([^/]+)\/(dlq|redrive|messages)$/.exec(url.pathname);
    const name = match ? decodePathPart(match[1]!) : undefined;
    if (match && name === undefined) return send(res, 400, { error: 'malformed_path' });
    const q = name !== undefined && Object.hasOwn(queues, name) ? queues[name] : undefined;
    if (!match || !q) return send(res, 404, { error: 'not_found' });
    const action = match[2];
    if (action === 'dlq' && req.method === 'GET') {
      const limit = Number(url.searchParams.get('limit') ?? 100);
      const messages = q.dlq
        .list()
        .slice(0, Number.isFinite(limit) ? limit : 100)
        .map(deadLetter);
      return send(res, 200, { messages, total: q.dlq.depth().total });
    }
    if (action === 'redrive' && req.method === 'POST') return send(res, 200, { moved: redriveLocal(q.dlq, q.queue) });
    if (action === 'messages' && req.method === 'POST') {
      const body = JSON.parse((await readBody(req)).toString('utf8')) as { messages?: QueueMessage[] };
      const messages = Array.isArray(body.messages) ? body.messages : [];
      for (const m of messages) q.queue.put({ body: String(m.body), attributes: { ...m.attributes } });
      return send(res, 200, { enqueued: messages.length });
    }
    return send(res, 405, { error: 'method_not_allowed' });
  }

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
