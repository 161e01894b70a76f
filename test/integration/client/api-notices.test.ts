import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoApiNoticeStore } from '../../../lambdas/adapters/api-notice-store';
import { PowertoolsTelemetry } from '../../../lambdas/adapters/telemetry';
import { resolveRule } from '../../../lambdas/core/alarm-rules';
import {
  apiNoticeRecorder,
  type ApiNoticeStore,
  type EndpointSighting,
} from '../../../lambdas/core/api-notice-recorder';
import { createClient, telemetryObserver, type Client } from '../../../lambdas/core/client';
import { TABLES } from '../../../lambdas/core/tables';
import { startDynamo, type LocalDynamo } from '../../../local/dynamo';
import { evaluateRule } from '../../../local/observability/evaluate';
import { MetricStore } from '../../../local/observability/metric-store';
import { RecordsSimulator, SIM_PAGINATION, simProvider } from '../../../local/simulators';
import { main } from '../../../bin/ops/main';
import { versionsReport, versionsText } from '../../../bin/ops/versions';
import { runCli } from '../../helpers/cli';
import { LogCapture } from '../../helpers/log-capture';
import { MemorySecrets } from '../../helpers/memory';
import { VirtualTime } from '../../helpers/virtual-time';

const DAY = 86_400_000;
const START = Date.UTC(2025, 0, 6, 12, 0, 0);
const ITEM = { path: '/v1/items/rec_000001', operation: 'GET /v1/items/{id}' };
const LIST = { path: '/v1/cursor/items', operation: 'GET /v1/cursor/items' };
const ctx = { traceId: 'trace-notice' };
// What a provider announcing a retirement sends: deprecated since New Year, gone on 31 January.
const KNOB = {
  path: '/v1/items/',
  deprecation: '2025-01-01T00:00:00Z',
  sunset: '2025-01-31T00:00:00Z',
  link: 'https://developer.example.com/deprecation',
};

let dynamo: LocalDynamo;
let sim: RecordsSimulator;
let time: VirtualTime;
let client: Client;
let store: DynamoApiNoticeStore;
let recorded: EndpointSighting[];
let recorder: ReturnType<typeof apiNoticeRecorder>;
const logs = new LogCapture();
const telemetry = new PowertoolsTelemetry({ serviceName: 'poller', namespace: 'IntegrationStack', sink: logs.sink });
const definition = simProvider({ apiVersion: { value: '2024-10-01', in: 'header', header: 'X-Api-Version' } });

beforeAll(async () => {
  dynamo = await startDynamo();
  time = new VirtualTime(START);
  sim = new RecordsSimulator({
    count: 50,
    auth: { kind: 'bearer', token: 'tok_notice_123456' },
    now: time.now,
    faults: { notices: KNOB },
  });
  await sim.listen();
  store = new DynamoApiNoticeStore(dynamo.doc, TABLES.apiNotices.name);
  recorded = [];
  const counting: ApiNoticeStore = { record: (s) => (recorded.push(s), store.record(s)), list: (p) => store.list(p) };
  recorder = apiNoticeRecorder(counting, { apiVersion: definition.apiVersion?.value });
  client = createClient({
    definition,
    secrets: new MemorySecrets({ records: { token: 'tok_notice_123456' } }),
    time,
    baseUrl: sim.url,
    onEvent: [telemetryObserver(telemetry), recorder.listener],
  });
});

afterAll(async () => {
  time.dispose();
  await sim.close();
  await dynamo.close();
});

const call = async (req: { path: string; operation: string }, times = 1) => {
  for (let i = 0; i < times; i += 1) expect((await client.request(req, ctx)).ok).toBe(true);
  await recorder.settled();
};

describe('API-change readiness, driven through the provider simulator', () => {
  it('counts every deprecated response, gauges the days to sunset, and logs the endpoint and dates once', async () => {
    await call(ITEM, 5);
    for await (const page of client.paginate(
      { path: LIST.path, operation: LIST.operation },
      SIM_PAGINATION.cursor,
      ctx,
    ))
      expect(page.ok).toBe(true);
    telemetry.flush();
    const op = { provider: 'records', operation: ITEM.operation };
    expect(logs.metric('DeprecationSeen', op)).toBe(5);
    expect(logs.metric('DeprecationSeen', { provider: 'records' })).toBe(5);
    expect(logs.metric('DeprecationSeen', { provider: 'records', operation: LIST.operation })).toBe(0);
    // 31 January 00:00 is 24.5 days after 6 January 12:00, on the client's clock.
    expect(logs.metric('SunsetDays', op)).toBe(5 * 24.5);
    const lines = logs.logs('provider deprecation notice');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'WARN',
      third_party: 'records',
      endpoint: ITEM.operation,
      trace_id: 'trace-notice',
      http_status: 200,
      deprecated: true,
      deprecation_date: '2025-01-01T00:00:00.000Z',
      sunset_date: '2025-01-31T00:00:00.000Z',
      sunset_in_days: 24,
      deprecation_link: 'https://developer.example.com/deprecation',
      sunset_link: 'https://developer.example.com/deprecation',
    });
    expect(logs.leaked(['tok_notice_123456'])).toEqual([]);
  });

  it('fires the sunset alarm within the stage warning window (30 days by default), not with a shorter one', () => {
    const metrics = new MetricStore(2 * 60 * 60 * 1000);
    for (const line of logs.lines) metrics.ingest(line);
    const at = Date.now() + 1000;
    expect(
      evaluateRule(resolveRule('api-sunset-soon')!, metrics, { provider: 'records' }, 'IntegrationStack', at),
    ).toMatchObject({ state: 'ALARM', value: 24.5 });
    expect(
      evaluateRule(
        resolveRule('api-sunset-soon', { 'api-sunset-soon': { threshold: 14 } })!,
        metrics,
        { provider: 'records' },
        'IntegrationStack',
        at,
      ).state,
    ).toBe('OK');
    expect(
      evaluateRule(
        resolveRule('api-sunset-soon')!,
        new MetricStore(60_000),
        { provider: 'records' },
        'IntegrationStack',
        at,
      ).state,
    ).toBe('OK');
  });

  it('stores each endpoint in use once a day, and again at once when its notice changes', async () => {
    expect(recorded.map((r) => r.endpoint).sort()).toEqual([LIST.operation, ITEM.operation].sort());
    sim.faults.update({ notices: { ...KNOB, sunset: '2025-03-01T00:00:00Z' } });
    await call(ITEM, 3);
    expect(recorded).toHaveLength(3);
    time.advance(DAY);
    await call(ITEM);
    expect(recorded).toHaveLength(4);
    // The provider stops announcing: the notice stays on record, only the sighting moves (next day).
    sim.faults.update({ notices: undefined });
    await call(ITEM);
    expect(recorded).toHaveLength(4);
    time.advance(DAY);
    await call(ITEM);
    expect(recorded).toHaveLength(5);

    const [item] = (await store.list('records')).filter((r) => r.endpoint === ITEM.operation);
    expect(item).toMatchObject({
      method: 'GET',
      lastStatus: 200,
      lastSeenAt: START + 2 * DAY,
      apiVersion: '2024-10-01',
    });
    expect(item!.notice).toMatchObject({
      deprecated: true,
      deprecatedAt: Date.UTC(2025, 0, 1),
      sunsetAt: Date.UTC(2025, 2, 1),
      firstSeenAt: START,
      lastSeenAt: START + DAY,
    });
    const [list] = (await store.list()).filter((r) => r.endpoint === LIST.operation);
    expect(list!.notice).toBeUndefined();
  });

  it('never fails a call when the notice store fails, and tries the write again on the next response', async () => {
    let failures = 1;
    const writes: EndpointSighting[] = [];
    const errors: unknown[] = [];
    const flaky = apiNoticeRecorder(
      {
        record: async (s) => {
          if (failures-- > 0) throw new Error('ProvisionedThroughputExceededException');
          writes.push(s);
        },
      },
      { onError: (e) => errors.push(e) },
    );
    const off = client.onEvent(flaky.listener);
    expect((await client.request(ITEM, ctx)).ok).toBe(true);
    await flaky.settled();
    expect(errors).toHaveLength(1);
    expect((await client.request(ITEM, ctx)).ok).toBe(true);
    await flaky.settled();
    expect(writes).toHaveLength(1);
    off();
  });

  it('ops versions shows the pinned version, each endpoint in use and the notice with its dates', async () => {
    const report = versionsReport([definition], await store.list(), { now: START + 2 * DAY, where: 'test' });
    const text = versionsText(report);
    expect(text).toContain('records (Records simulator): API version 2024-10-01 (header X-Api-Version)');
    expect(text).toContain(`${ITEM.operation}  last called 2025-01-08T12:00:00.000Z (200)`);
    expect(text).toContain(
      '! deprecated since 2025-01-01 · sunset 2025-03-01 (in 51 days) · https://developer.example.com/deprecation',
    );
    expect(text).toContain('2 endpoint(s) in use, 1 with a deprecation notice (test)');
    expect(report.providers[0]!.endpoints.find((e) => e.endpoint === ITEM.operation)!.notice).toMatchObject({
      sunsetAt: '2025-03-01T00:00:00.000Z',
      sunsetInDays: 51,
    });
  });

  it('ops versions (its main, as the command line runs it) reads the local stack, with --json', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'versions-'));
    try {
      writeFileSync(
        join(dataDir, 'stack.json'),
        JSON.stringify({ url: '', adminUrl: '', dynamoEndpoint: dynamo.endpoint, pid: process.pid }),
      );
      await store.record({
        provider: 'shopify',
        endpoint: 'GET /products.json',
        method: 'GET',
        at: Date.now(),
        status: 200,
        apiVersion: '2026-04',
        notice: {
          deprecated: false,
          links: {},
          warnings: [],
          notices: { 'x-shopify-api-deprecated-reason': 'https://shopify.dev/changelog/page-filter-removed' },
        },
      });
      const run = (...args: string[]) => runCli(main, ['versions', ...args, '--data-dir', dataDir]);
      const { stdout } = await run('shopify');
      expect(stdout).toContain('shopify (Shopify): API version 2026-04 (path)');
      expect(stdout).toContain('! x-shopify-api-deprecated-reason: https://shopify.dev/changelog/page-filter-removed');
      const json = JSON.parse((await run('--json')).stdout) as {
        providers: { provider: string; endpoints: unknown[] }[];
      };
      expect(json.providers.map((p) => p.provider)).toEqual([
        'github',
        'slack',
        'stripe',
        'shopify',
        'trello',
        'standard',
        'football',
      ]);
      expect(json.providers.find((p) => p.provider === 'github')).toMatchObject({
        apiVersion: '2022-11-28 (header X-GitHub-Api-Version)',
        endpoints: [],
      });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
