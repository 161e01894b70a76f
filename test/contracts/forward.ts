import type { IncomingMessage, ServerResponse } from 'node:http';

const DROP_IN = new Set(['host', 'connection', 'content-length']);
const DROP_OUT = new Set(['content-length', 'transfer-encoding', 'connection', 'content-encoding']);

/**
 * Passes one request, its body already read, to `upstream` (moto) unchanged and writes its answer back: a contract
 * that serves only the calls moto lacks puts this behind everything else.
 *
 * @example
 * if (!mine(req)) return forward(motoUrl, req, body, res);
 */
export async function forward(
  upstream: string,
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
): Promise<void> {
  const headers = Object.fromEntries(
    Object.entries(req.headers).filter(([k, v]) => typeof v === 'string' && !DROP_IN.has(k)),
  ) as Record<string, string>;
  const answer = await fetch(`${upstream}${req.url ?? '/'}`, {
    method: req.method,
    headers,
    body: ['GET', 'HEAD'].includes(req.method ?? 'GET') ? undefined : body,
  });
  const out = Buffer.from(await answer.arrayBuffer());
  res.writeHead(answer.status, Object.fromEntries([...answer.headers].filter(([k]) => !DROP_OUT.has(k))));
  res.end(out);
}
