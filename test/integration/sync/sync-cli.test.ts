import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoRecordStore } from '../../../lambdas/adapters/record-store';
import { DynamoSyncState } from '../../../lambdas/adapters/sync-state';
import { createClient, realTime } from '../../../lambdas/core/client';
import { silentTelemetry } from '../../../lambdas/core/ports';
import { createPollerHandler, type PollEvent } from '../../../lambdas/handlers/poller';
import { getProvider, providers } from '../../../lambdas/providers';
import { football } from '../../../lambdas/providers/football';
import { startDynamo, type LocalDynamo } from '../../../local/dynamo';
import { FileSecretStore } from '../../../local/secrets';
import { FootballSimulator } from '../../../local/simulators';
import type { CliIO } from '../../../bin/cli/main';
import { main as syncCommand } from '../../../bin/sync/main';
import { type ContractHandler, LambdaInvokeContract } from '../../contracts/lambda-invoke';
import { MemorySecrets } from '../../helpers/memory';
import { type Moto, startMoto } from '../../helpers/moto';
import { MOTO_CREDENTIALS, MOTO_REGION, seedMotoStage } from '../../helpers/moto-stage';

const KEY = 'apisports-cli-test-key-77aa';
const KEYS = [
  'windows',
  'pages',
  'requests',
  'records_written',
  'records_unchanged',
  'records_quarantined',
  'http_429',
  'retries',
  'gaps_open',
  'duration_ms',
];
const DAY = 86_400_000;
let sim: FootballSimulator;
let dir: string;

beforeAll(async () => {
  sim = new FootballSimulator({ key: KEY, seasons: [2024], leagues: 4, pageSize: 2 });
  await sim.listen();
});
afterAll(async () => sim.close());
afterEach(() => {
  sim.faults.clear();
  sim.requests.length = 0;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function freshDataDir(): string {
  dir = mkdtempSync(join(tmpdir(), 'sync-cli-'));
  const secrets = new FileSecretStore(join(dir, 'secrets.json'));
  secrets.ensure(providers);
  secrets.put('football', 'apiKey', KEY);
  return dir;
}

function io(env: Record<string, string | undefined> = {}): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: { write: (t: string) => out.push(t), isTTY: false },
    stderr: { write: (t: string) => err.push(t) },
    env: { FOOTBALL_BASE_URL: sim.url, ...env },
  };
}

const expected = (from: string, toInclusive: string) =>
  sim.fixtures.filter(
    (f) => f.kickoff >= Date.parse(`${from}T00:00:00Z`) && f.kickoff < Date.parse(`${toInclusive}T00:00:00Z`) + DAY,
  ).length;

describe('npm run sync (local)', () => {
  it('prints one JSON summary with exactly the documented keys, exits 0, and writes nothing the second time', async () => {
    const data = freshDataDir();
    const args = [
      '--provider',
      'football',
      '--poll',
      'fixtures',
      '--from',
      '2024-08-10',
      '--to',
      '2024-08-12',
      '--json',
      '--data-dir',
      data,
    ];
    const first = io();
    expect(await syncCommand(args, first)).toBe(0);
    expect(first.out).toHaveLength(1);
    const summary = JSON.parse(first.out[0]!) as Record<string, number>;
    expect(Object.keys(summary)).toEqual(KEYS);
    expect(summary).toMatchObject({
      windows: 3,
      records_written: expected('2024-08-10', '2024-08-12'),
      records_unchanged: 0,
      gaps_open: 0,
      http_429: 0,
    });
    expect(summary.pages).toBe(summary.requests);

    const second = io();
    expect(await syncCommand(args, second)).toBe(0);
    expect(JSON.parse(second.out[0]!)).toMatchObject({
      records_written: 0,
      records_unchanged: expected('2024-08-10', '2024-08-12'),
    });
  });

  it('exits 1 while a gap is left open, and 0 once a later run closed it', async () => {
    const data = freshDataDir();
    sim.faults.add(
      {
        kind: 'status',
        status: 200,
        body: {
          get: 'fixtures',
          parameters: [],
          errors: { date: 'The Date field must contain a valid date.' },
          results: 0,
          paging: { current: 1, total: 1 },
          response: [],
        },
      },
      { match: { path: '/fixtures' } },
    );
    const args = ['--provider', 'football', '--from', '2024-08-10', '--to', '2024-08-11', '--json', '--data-dir', data];
    const failing = io();
    expect(await syncCommand(args, failing)).toBe(1);
    expect(JSON.parse(failing.out[0]!)).toMatchObject({ windows: 1, gaps_open: 1 });
    const healed = io();
    expect(await syncCommand(args, healed)).toBe(0);
    expect(JSON.parse(healed.out[0]!)).toMatchObject({ windows: 2, gaps_open: 0 });
  });

  it('prints a readable summary without --json off a terminal, and rejects bad usage with exit 2', async () => {
    const data = freshDataDir();
    const text = io();
    expect(
      await syncCommand(
        ['--provider', 'football', '--from', '2024-08-10', '--to', '2024-08-10', '--data-dir', data],
        text,
      ),
    ).toBe(0);
    expect(text.out.join('')).toMatch(
      /1 window\(s\), \d+ page\(s\), \d+ request\(s\)[\s\S]*records: \d+ written[\s\S]*gaps open: 0/,
    );
    const bad = io();
    expect(await syncCommand(['--provider', 'football', '--to', '2024-08-10'], bad)).toBe(2);
    expect(bad.err.join('')).toContain('--to needs --from');
    expect(await syncCommand(['--provider', 'github'], io())).toBe(2);
    expect(await syncCommand(['--provider', 'football', '--function', 'f'], io())).toBe(2);
  });

  it('runs as `npm run sync` does: bin/sync.ts, its JSON on stdout and its exit code', async () => {
    const data = freshDataDir();
    const run = promisify(execFile);
    const { stdout } = await run(
      'npx',
      [
        'tsx',
        'bin/sync.ts',
        '--provider',
        'football',
        '--from',
        '2024-08-10',
        '--to',
        '2024-08-10',
        '--json',
        '--data-dir',
        data,
      ],
      {
        env: { ...process.env, FOOTBALL_BASE_URL: sim.url },
        timeout: 60_000,
      },
    );
    expect(Object.keys(JSON.parse(stdout.trim()) as object)).toEqual(KEYS);
  }, 60_000);
});

/** The football poller as its Lambda runs it, on the simulator and a local DynamoDB. */
function footballPoller(dynamo: LocalDynamo): ContractHandler {
  const client = createClient({
    definition: football,
    secrets: new MemorySecrets({ football: { apiKey: KEY } }),
    time: realTime,
    baseUrl: sim.url,
  });
  const poller = createPollerHandler({
    registry: getProvider,
    clientFor: () => client,
    records: new DynamoRecordStore(dynamo.doc, 'records'),
    state: new DynamoSyncState(dynamo.doc, { checkpoints: 'checkpoints', gaps: 'gaps', quarantine: 'quarantine' }),
    telemetry: silentTelemetry,
    now: Date.now,
  });
  return (event, context) => poller(event as PollEvent, context);
}

describe('npm run sync --aws (the deployed poller, through Lambda Invoke)', () => {
  const contract = new LambdaInvokeContract();
  let endpoint: string;
  let dynamo: LocalDynamo;

  beforeAll(async () => {
    endpoint = await contract.start();
    dynamo = await startDynamo();
    contract.handlers.set('IntegrationStack-PollfootballPoller', footballPoller(dynamo));
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await contract.stop();
    await dynamo.close();
  });

  it('invokes the poller once per window, continues a window a run left, and sums the runs', async () => {
    // Each invocation has little time: its run stops after a page or two, and the CLI invokes again from there.
    contract.remainingMs = () => {
      let left = 10_300;
      return () => (left -= 100);
    };
    const out = io();
    const code = await syncCommand(
      [
        '--provider',
        'football',
        '--from',
        '2024-08-10',
        '--to',
        '2024-08-11',
        '--json',
        '--aws',
        '--function',
        'IntegrationStack-PollfootballPoller',
        '--endpoint-url',
        endpoint,
        '--concurrency',
        '2',
      ],
      out,
    );
    expect(out.err).toEqual([]);
    expect(code).toBe(0);
    const summary = JSON.parse(out.out[0]!) as Record<string, number>;
    expect(Object.keys(summary)).toEqual(KEYS);
    expect(summary).toMatchObject({ windows: 2, records_written: expected('2024-08-10', '2024-08-11'), gaps_open: 0 });
    const events = contract.calls.map((c) => c.payload as PollEvent);
    expect(
      events
        .filter((e) => !e.start)
        .map((e) => e.from)
        .sort(),
    ).toEqual(['2024-08-10T00:00:00.000Z', '2024-08-11T00:00:00.000Z']);
    expect(events.some((e) => e.start?.page !== undefined && e.start.page > 1)).toBe(true);
    // No page fetched twice across the invocations.
    const pages = sim.log('/fixtures').map((r) => `${r.query.date}/${r.query.page ?? 1}`);
    expect(pages.length).toBe(new Set(pages).size);
  });

  it('reports an invocation that failed and exits 1', async () => {
    const out = io();
    expect(
      await syncCommand(
        [
          '--provider',
          'football',
          '--from',
          '2024-08-10',
          '--to',
          '2024-08-10',
          '--json',
          '--aws',
          '--function',
          'no-such-function',
          '--endpoint-url',
          endpoint,
        ],
        out,
      ),
    ).toBe(1);
    expect(out.err.join('')).toMatch(/invocation failed: 2024-08-10T00:00:00.000Z: ResourceNotFoundException/);
  });
});

describe('npm run sync --aws --stage (the poller found by its tags, as the ops CLI finds resources)', () => {
  let moto: Moto;
  let contract: LambdaInvokeContract;
  let endpoint: string;
  let dynamo: LocalDynamo;
  const stage = `synccli${process.pid}`;

  beforeAll(async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', MOTO_CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', MOTO_CREDENTIALS.secretAccessKey);
    moto = await startMoto();
    const seeded = await seedMotoStage(moto.url, stage, [football]);
    // moto finds the function by its tags but cannot run it: Invoke is answered here, every other call by moto.
    contract = new LambdaInvokeContract(moto.url);
    endpoint = await contract.start();
    dynamo = await startDynamo();
    contract.handlers.set(seeded.pollers.football!, footballPoller(dynamo));
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await contract?.stop();
    await moto?.stop();
    await dynamo?.close();
  });

  it("invokes the stage's football poller, found by its tags", async () => {
    const out = io({ AWS_REGION: MOTO_REGION });
    const argv = ['--provider', 'football', '--from', '2024-08-10', '--to', '2024-08-10', '--json', '--aws'];
    expect(await syncCommand([...argv, '--stage', stage, '--endpoint-url', endpoint], out)).toBe(0);
    expect(out.err).toEqual([]);
    expect(JSON.parse(out.out[0]!)).toMatchObject({
      windows: 1,
      records_written: expected('2024-08-10', '2024-08-10'),
    });
    expect(new Set(contract.calls.map((c) => c.functionName))).toEqual(new Set([`${stage}-football-poller`]));
  });

  it('names the stage when nothing is tagged with it', async () => {
    const out = io({ AWS_REGION: MOTO_REGION });
    const argv = ['--provider', 'football', '--from', '2024-08-10', '--to', '2024-08-10', '--json', '--aws'];
    expect(await syncCommand([...argv, '--stage', 'nosuchstage', '--endpoint-url', endpoint], out)).toBe(1);
    expect(out.err.join('')).toMatch(/no resource is tagged stage=nosuchstage/);
  });
});
