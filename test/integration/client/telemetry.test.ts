import { afterEach, describe, expect, it } from 'vitest';
import { PowertoolsTelemetry } from '../../../lambdas/adapters/telemetry';
import { createClient, telemetryObserver, type Client } from '../../../lambdas/core/client';
import type { ClientEvent } from '../../../lambdas/core/client/types';
import type { ProviderDefinition } from '../../../lambdas/core/provider';
import {
  RecordsSimulator,
  SIM_PAGINATION,
  simProvider,
  simRecordSchema,
  type SimAuth,
} from '../../../local/simulators';
import { LogCapture } from '../../helpers/log-capture';
import { MemorySecrets } from '../../helpers/memory';
import { VirtualTime } from '../../helpers/virtual-time';

const LOG_SCHEMA = [
  'timestamp',
  'service',
  'third_party',
  'endpoint',
  'trace_id',
  'attempt',
  'http_status',
  'request_id',
  'duration_ms',
  'error_code',
  'error_message',
];

let sim: RecordsSimulator;
let time: VirtualTime;
afterEach(async () => {
  time?.dispose();
  await sim?.close();
});

async function observed(
  definition: Partial<ProviderDefinition>,
  simAuth: SimAuth,
  secrets: Record<string, string>,
  syncDate = false,
) {
  time = new VirtualTime(undefined, { syncDate });
  sim = new RecordsSimulator({ count: 400, auth: simAuth, now: time.now });
  await sim.listen();
  sim.onFault((kind) => kind === 'hang' && setImmediate(() => time.expireTimeouts()));
  const logs = new LogCapture();
  const telemetry = new PowertoolsTelemetry({ serviceName: 'poller', namespace: 'IntegrationStack', sink: logs.sink });
  const events: ClientEvent[] = [];
  const def = simProvider(definition);
  const client: Client = createClient({
    definition: def,
    secrets: new MemorySecrets({ [def.name]: secrets }),
    time,
    baseUrl: sim.url,
    onEvent: [telemetryObserver(telemetry), (e) => events.push(e)],
  });
  return { client, logs, telemetry, events };
}

describe('the observer', () => {
  it('writes one log line per attempt in the shared schema, and the client metrics', async () => {
    const { client, logs, telemetry } = await observed(
      {},
      { kind: 'bearer', token: 'tok_schema_123456' },
      { token: 'tok_schema_123456' },
    );
    sim.faults.add({ kind: 'status', status: 503, headers: { 'x-request-id': 'req_1' } });
    await client.request({ path: '/v1/items/rec_000001', operation: 'GET /v1/items/{id}' }, { traceId: 'trace-42' });
    telemetry.flush();
    const lines = logs.logs().filter((l) => l.third_party);
    expect(lines).toHaveLength(2);
    // Powertools omits empty fields, so the success line has no error_code or request_id.
    expect(Object.keys(lines[0]!)).toEqual(expect.arrayContaining(LOG_SCHEMA));
    expect(lines[0]).toMatchObject({
      service: 'poller',
      third_party: 'records',
      endpoint: 'GET /v1/items/{id}',
      trace_id: 'trace-42',
      attempt: 1,
      http_status: 503,
      request_id: 'req_1',
      error_code: 'retryable',
      level: 'WARN',
    });
    expect(lines[1]).toMatchObject({ attempt: 2, http_status: 200, level: 'INFO' });
    const op = { provider: 'records', operation: 'GET /v1/items/{id}' };
    expect(logs.metric('Requests', { ...op, status_class: '5xx' })).toBe(1);
    expect(logs.metric('Requests', { ...op, status_class: '2xx' })).toBe(1);
    expect(logs.metric('Requests', { provider: 'records' })).toBe(2);
    expect(logs.metric('Http5xx', op)).toBe(1);
    expect(logs.metric('RetryAttempts', op)).toBe(1);
    expect(logs.metric('LatencyMs', op)).toBeGreaterThanOrEqual(0);
    expect(logs.entries().some((e) => e._aws && 'LatencyMs' in e)).toBe(true);
  });

  it('counts 429s, timeouts, network errors, breaker openings and quarantined records', async () => {
    const { client, logs, telemetry } = await observed(
      {
        auth: { kind: 'none' },
        retry: { attempts: 2 },
        circuitBreaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 },
        timeouts: { attemptMs: 1000 },
      },
      { kind: 'none' },
      {},
      true,
    );
    const op = { provider: 'records', operation: 'op' };
    sim.faults.add({ kind: 'status', status: 429, retryAfter: { seconds: 1 } });
    await client.request({ path: '/v1/items/rec_000001', operation: 'op' }, { traceId: 't' });
    sim.faults.update({ invalidEvery: 100 });
    for await (const _ of client.paginate(
      { path: '/v1/cursor/items', operation: 'list' },
      SIM_PAGINATION.cursor,
      { traceId: 't' },
      { schema: { record: simRecordSchema } },
    ))
      void _;
    sim.faults.add({ kind: 'hang' }).add({ kind: 'reset' });
    await client.request({ path: '/v1/items/rec_000001', operation: 'op' }, { traceId: 't' });
    const fast = await client.request({ path: '/v1/items/rec_000001', operation: 'op' }, { traceId: 't' });
    expect(!fast.ok && fast.error.kind).toBe('circuit_open');
    telemetry.flush();
    expect(logs.metric('Http429', op)).toBe(1);
    expect(logs.metric('Requests', { ...op, status_class: '429' })).toBe(1);
    expect(logs.metric('Timeouts', op)).toBe(1);
    expect(logs.metric('NetworkErrors', op)).toBe(1);
    // The opening, and the call the open breaker refused.
    expect(logs.metric('CircuitOpen', { provider: 'records' })).toBe(2);
    expect(logs.metric('CircuitOpen', op)).toBe(1);
    expect(logs.metric('RecordsQuarantined', { provider: 'records', operation: 'list' })).toBe(4);
    expect(logs.logs('page fetched').map((l) => l.page)).toEqual([1, 2, 3, 4]);
    expect(logs.logs('provider call not attempted')[0]).toMatchObject({ error_code: 'circuit_open' });
  });
});

describe('circuit open, for as long as it refuses calls', () => {
  it('counts CircuitOpen on every call the open breaker refuses, not only when it opens', async () => {
    const { client, logs, telemetry } = await observed(
      {
        auth: { kind: 'none' },
        retry: { attempts: 1 },
        circuitBreaker: { consecutiveFailures: 2, halfOpenAfterMs: 3_600_000 },
      },
      { kind: 'none' },
      {},
    );
    sim.faults.add({ kind: 'status', status: 503 }, { times: 2 });
    const call = () =>
      client.request({ path: '/v1/items/rec_000001', operation: 'GET /v1/items/{id}' }, { traceId: 't' });
    await call();
    await call();
    telemetry.flush();
    expect(logs.metric('CircuitOpen', { provider: 'records' })).toBe(1);
    // The provider stays down (for all we know): each run that tries again keeps the count, and the alarm, going.
    for (let run = 0; run < 3; run += 1) {
      time.advance(15 * 60_000);
      const refused = await call();
      expect(!refused.ok && refused.error.kind).toBe('circuit_open');
      telemetry.flush();
    }
    expect(logs.metric('CircuitOpen', { provider: 'records' })).toBe(4);
    expect(logs.metric('CircuitOpen', { provider: 'records', operation: 'GET /v1/items/{id}' })).toBe(3);
    expect(sim.log()).toHaveLength(2);
  });
});

describe('secrets never reach telemetry', () => {
  it('keeps API keys, bearer tokens, client secrets and issued access tokens out of every log line, metric, event and error', async () => {
    const apiKey = 'ak_live_9f8e7d6c5b4a3928';
    const clientSecret = 'cs_live_0a1b2c3d4e5f6a7b8c9d';
    const leaks: string[] = [];

    // API key in the query string, through failures and Link pagination that echoes it in next URLs.
    let run = await observed(
      { auth: { kind: 'apiKey', in: 'query', name: 'key', secret: 'apiKey' }, retry: { attempts: 2 } },
      { kind: 'apiKey', in: 'query', name: 'key', value: apiKey },
      { apiKey },
    );
    sim.faults
      .add({ kind: 'status', status: 503 })
      .add({ kind: 'reset' })
      .add({ kind: 'malformed' })
      .add({ kind: 'html', status: 502 }, { times: 2 })
      .add({ kind: 'hang' });
    const errors: unknown[] = [];
    for (let i = 0; i < 5; i += 1)
      errors.push(await run.client.request({ path: '/v1/items/rec_000001' }, { traceId: 't' }));
    let linkPages = 0;
    for await (const r of run.client.paginate({ path: '/v1/link/items' }, SIM_PAGINATION.link, { traceId: 't' })) {
      errors.push(r.ok ? r.page.position : r);
      if (r.ok) linkPages += 1;
    }
    // next links echo the key; the client strips it from positions and adds it back on each request
    expect(linkPages).toBe(4);
    run.telemetry.flush();
    expect(sim.log().some((r) => r.query.key === apiKey)).toBe(true);
    leaks.push(...run.logs.leaked([apiKey]));
    const dump = JSON.stringify([run.events, errors.map((e) => (e as { error?: Error }).error?.message ?? e)]);
    if (dump.includes(apiKey))
      leaks.push(dump.slice(Math.max(0, dump.indexOf(apiKey) - 300), dump.indexOf(apiKey) + 40));
    await sim.close();

    // OAuth: the client secret, the Basic credential and every access token the simulator issued.
    run = await observed(
      {
        auth: {
          kind: 'oauth2-client-credentials',
          tokenUrl: '/oauth/token',
          clientIdSecret: 'clientId',
          clientSecretSecret: 'clientSecret',
        },
      },
      { kind: 'oauth2', clientId: 'client-1', clientSecret },
      { clientId: 'client-1', clientSecret },
    );
    await run.client.request({ path: '/v1/items/rec_000001' }, { traceId: 't' });
    sim.revokeTokens();
    await run.client.request({ path: '/v1/items/rec_000001' }, { traceId: 't' });
    sim.setAuth({ kind: 'oauth2', clientId: 'client-1', clientSecret: 'rotated' });
    sim.revokeTokens();
    const refused = await run.client.request({ path: '/v1/items/rec_000001' }, { traceId: 't' });
    run.telemetry.flush();
    const issued = sim
      .log()
      .map((r) => /^Bearer (.+)$/.exec(r.headers.authorization ?? '')?.[1])
      .filter((t): t is string => Boolean(t));
    const basic = sim.log('/oauth/token')[0]!.headers.authorization!.slice(6);
    expect(issued.length).toBeGreaterThanOrEqual(2);
    leaks.push(...run.logs.leaked([clientSecret, basic, ...issued]));
    const text = JSON.stringify([run.events, !refused.ok && refused.error.message]);
    for (const s of [clientSecret, basic, ...issued]) if (text.includes(s)) leaks.push(s);
    expect(leaks).toEqual([]);
  });
});
