import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';
import { forward } from './forward';

export type ContractHandler = (event: unknown, context: Context) => Promise<unknown>;

/**
 * Lambda's Invoke over its real wire protocol (REST-JSON, `POST /2015-03-31/functions/{name}/invocations`),
 * enough for the real SDK client: the payload in and out, `X-Amz-Function-Error` with Lambda's error
 * document when the handler throws, ResourceNotFoundException for an unknown function, and
 * TooManyRequestsException when told to throttle. Runs registered handlers in process. Given an upstream (moto),
 * every other request goes there, so one endpoint serves a CLI that also finds its function by tags.
 */
export class LambdaInvokeContract {
  constructor(private readonly upstream?: string) {}

  readonly handlers = new Map<string, ContractHandler>();
  readonly calls: { functionName: string; invocationType?: string; payload: unknown }[] = [];
  /** The next n invocations answer 429 TooManyRequestsException. */
  throttle = 0;
  /** Remaining time each invocation's context reports (default: counts down 300 s in real time). */
  remainingMs?: () => () => number;
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => void this.route(req, Buffer.concat(chunks), res));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private async route(req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    const invoke = req.method === 'POST' && /^\/2015-03-31\/functions\/[^/]+\/invocations/.test(req.url ?? '');
    if (this.upstream && !invoke)
      return forward(this.upstream, req, body, res).catch((err: Error) => {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: err.message }));
      });
    return this.handle(req.method ?? '', req.url ?? '', req.headers, body.toString('utf8'), res);
  }

  private async handle(
    method: string,
    url: string,
    headers: Record<string, string | string[] | undefined>,
    body: string,
    res: ServerResponse,
  ): Promise<void> {
    const m = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(url);
    const send = (status: number, out: unknown, extra: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID(), ...extra });
      res.end(typeof out === 'string' ? out : JSON.stringify(out));
    };
    if (method !== 'POST' || !m)
      return send(404, { message: 'unknown operation' }, { 'x-amzn-errortype': 'UnknownOperationException' });
    const functionName = decodeURIComponent(m[1]!);
    const payload = body ? (JSON.parse(body) as unknown) : {};
    this.calls.push({ functionName, invocationType: headers['x-amz-invocation-type'] as string | undefined, payload });
    if (this.throttle > 0) {
      this.throttle -= 1;
      return send(
        429,
        { Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded', Type: 'User', message: 'Rate Exceeded.' },
        { 'x-amzn-errortype': 'TooManyRequestsException' },
      );
    }
    const handler = this.handlers.get(functionName);
    if (!handler)
      return send(
        404,
        { Type: 'User', Message: `Function not found: arn:aws:lambda:us-east-1:000000000000:function:${functionName}` },
        { 'x-amzn-errortype': 'ResourceNotFoundException' },
      );
    const started = Date.now();
    const remaining = this.remainingMs?.() ?? (() => 300_000 - (Date.now() - started));
    const context = {
      functionName,
      awsRequestId: randomUUID(),
      getRemainingTimeInMillis: remaining,
    } as unknown as Context;
    try {
      const result = await handler(payload, context);
      send(200, result ?? null, { 'x-amz-executed-version': '$LATEST' });
    } catch (err) {
      send(
        200,
        { errorType: (err as Error).name ?? 'Error', errorMessage: (err as Error).message, trace: [] },
        { 'x-amz-executed-version': '$LATEST', 'x-amz-function-error': 'Unhandled' },
      );
    }
  }
}
