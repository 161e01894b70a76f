import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the edge does with a request: pass it to the stack, or answer as API Gateway does when it cannot. */
export type EdgeMode = 'up' | 503 | 429;

const ANSWERS = {
  503: { message: 'Service Unavailable' },
  // API Gateway's throttling answer.
  429: { message: 'Too Many Requests' },
} as const;

export interface Edge {
  url: string;
  /** Requests answered per mode. */
  counts: Record<string, number>;
  close(): Promise<void>;
}

/**
 * The stack's front door in the outage drill: forwards every request to the stack as it came (the Host header
 * kept, so Trello's signed URL still matches), except while `mode()` says the ingest is down (503) or throttled
 * (429), when it answers as API Gateway would and the simulated providers see a failed delivery.
 *
 * @example
 * const edge = await startEdge(stack.url, () => (inOutage(time.now()) ? 503 : 'up'));
 * sender.target.url = `${edge.url}/webhooks/github`;
 */
export async function startEdge(stackUrl: string, mode: () => EdgeMode): Promise<Edge> {
  const upstream = new URL(stackUrl);
  const counts: Record<string, number> = {};
  const server: Server = createServer((req, res) => {
    const now = mode();
    counts[String(now)] = (counts[String(now)] ?? 0) + 1;
    if (now !== 'up') {
      req.resume();
      res.writeHead(now, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ANSWERS[now]));
      return;
    }
    forward(upstream, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    counts,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function forward(upstream: URL, req: IncomingMessage, res: ServerResponse): void {
  const out = httpRequest(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  out.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(out);
}
