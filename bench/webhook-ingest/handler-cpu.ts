import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { PowertoolsTelemetry } from '../../lambdas/adapters/telemetry';
import { DEFAULT_NAMESPACE } from '../../lambdas/core/env-contract';
import type { QueueMessage } from '../../lambdas/core/ports';
import { plainEnv } from '../../lambdas/handlers/shared/lambda-init';
import { createIngestHandler } from '../../lambdas/handlers/webhook-ingest';
import { getProvider } from '../../lambdas/providers';
import type { Delivery } from './deliveries';

/** An API Gateway HTTP API (payload 2.0) event for one delivery, as API Gateway and the local stack build it. */
export function apiEvent(d: Delivery): APIGatewayProxyEventV2 {
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: 'ANY /webhooks/github',
    rawPath: '/webhooks/github',
    rawQueryString: '',
    headers: {
      ...d.headers,
      host: 'abc.execute-api.eu-west-1.amazonaws.com',
      'user-agent': 'GitHub-Hookshot/abc',
      'content-length': String(Buffer.byteLength(d.body)),
    },
    requestContext: {
      accountId: '000000000000',
      apiId: 'abc',
      domainName: 'abc.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abc',
      http: {
        method: 'POST',
        path: '/webhooks/github',
        protocol: 'HTTP/1.1',
        sourceIp: '140.82.115.1',
        userAgent: 'GitHub-Hookshot/abc',
      },
      requestId: randomUUID(),
      routeKey: 'ANY /webhooks/github',
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    body: d.body,
    isBase64Encoded: false,
  };
}

const cpuMicros = (start: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(start);
  return u.user + u.system;
};

/**
 * CPU microseconds per webhook of the ingest handler called directly (no HTTP), with the real
 * Powertools telemetry writing to a discarding sink and an in-memory queue; and, as the same-run
 * baseline, of the minimal work (HMAC check, JSON parse, push) on the same deliveries.
 */
export async function handlerCpu(
  deliveries: Delivery[],
  secret: string,
  iterations: number,
): Promise<{ handler: number; minimal: number }> {
  const queued: QueueMessage[] = [];
  // As the deployed handler runs after its init (lambda-init.ts `once`).
  plainEnv();
  const telemetry = new PowertoolsTelemetry({
    serviceName: 'webhook-ingest',
    namespace: DEFAULT_NAMESPACE,
    sink: () => {},
  });
  const handle = createIngestHandler({
    registry: getProvider,
    secrets: { get: async () => secret },
    queueFor: () => ({ send: async (m) => void queued.push(m) }),
    telemetry,
    now: () => new Date(),
    newId: randomUUID,
    flush: () => telemetry.flush(),
  });
  const events = deliveries.map(apiEvent);
  const runHandler = async (n: number) => {
    for (let i = 0; i < n; i += 1) {
      const res = await handle(events[i % events.length]!);
      if (res.statusCode !== 200) throw new Error(`ingest answered ${res.statusCode}: ${res.body}`);
      if (queued.length > 10_000) queued.length = 0;
    }
  };
  const sink: unknown[] = [];
  const runMinimal = (n: number) => {
    for (let i = 0; i < n; i += 1) {
      const d = deliveries[i % deliveries.length]!;
      const body = Buffer.from(d.body);
      const given = Buffer.from(d.headers['x-hub-signature-256']!.slice(7), 'hex');
      const expected = createHmac('sha256', secret).update(body).digest();
      if (!timingSafeEqual(given, expected)) throw new Error('baseline signature mismatch');
      sink.push(JSON.parse(body.toString('utf8')));
      if (sink.length > 10_000) sink.length = 0;
    }
  };
  await runHandler(Math.ceil(iterations / 5));
  runMinimal(Math.ceil(iterations / 5));
  let start = process.cpuUsage();
  await runHandler(iterations);
  const handler = cpuMicros(start) / iterations;
  start = process.cpuUsage();
  runMinimal(iterations);
  const minimal = cpuMicros(start) / iterations;
  return { handler, minimal };
}
