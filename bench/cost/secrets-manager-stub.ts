import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Secrets Manager's GetSecretValue and PutSecretValue over its real wire protocol (JSON 1.1, `X-Amz-Target`),
 * enough for the real SDK client to run against it. Answers ResourceNotFoundException as AWS does.
 * The cost bench's own stand-in (tests use moto): the bench sleeps AWS's latency itself and counts calls, so a
 * server that answers in microseconds keeps its timings free of an emulator's.
 */
export class SecretsManagerContract {
  /** A Uint8Array is stored as SecretBinary, as a secret created from a file may be. */
  readonly values = new Map<string, string | Uint8Array>();
  readonly calls: string[] = [];
  private server?: Server;

  /** `latencyMs`: how long every answer waits, AWS's latency, which the bench's clients no longer sleep themselves. */
  constructor(private readonly opts: { latencyMs?: number } = {}) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => setTimeout(() => this.answer(req, res, chunks), this.opts.latencyMs ?? 0));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private answer(req: IncomingMessage, res: ServerResponse, chunks: Buffer[]): void {
    const target = String(req.headers['x-amz-target'] ?? '');
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { SecretId?: string };
    this.calls.push(`${target} ${body.SecretId ?? ''}`);
    res.setHeader('content-type', 'application/x-amz-json-1.1');
    if (target === 'secretsmanager.PutSecretValue') {
      const put = body as { SecretId?: string; SecretString?: string };
      if (!put.SecretId || !this.values.has(put.SecretId)) {
        res.writeHead(400).end(
          JSON.stringify({
            __type: 'ResourceNotFoundException',
            message: "Secrets Manager can't find the specified secret.",
          }),
        );
        return;
      }
      this.values.set(put.SecretId, put.SecretString ?? '');
      res.writeHead(200).end(JSON.stringify({ ARN: put.SecretId, Name: put.SecretId, VersionId: 'v2' }));
      return;
    }
    if (target !== 'secretsmanager.GetSecretValue') {
      res.writeHead(400).end(JSON.stringify({ __type: 'InvalidRequestException', message: `unsupported ${target}` }));
      return;
    }
    const value = body.SecretId ? this.values.get(body.SecretId) : undefined;
    if (value === undefined) {
      res.writeHead(400).end(
        JSON.stringify({
          __type: 'ResourceNotFoundException',
          message: "Secrets Manager can't find the specified secret.",
        }),
      );
      return;
    }
    res.writeHead(200).end(
      JSON.stringify({
        ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${body.SecretId}-AbCdEf`,
        Name: body.SecretId,
        ...(typeof value === 'string'
          ? { SecretString: value }
          : { SecretBinary: Buffer.from(value).toString('base64') }),
        VersionId: 'v1',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: 1_700_000_000,
      }),
    );
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
