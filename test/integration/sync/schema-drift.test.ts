import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardState } from '../../../local/observability/monitor';
import type { LocalStack } from '../../../local/stack';
import type { LogCapture } from '../../helpers/log-capture';
import { testStack } from '../../helpers/local-stack';

const DAY = 86_400_000;
let stack: LocalStack;
let logs: LogCapture;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ stack, logs, close } = await testStack({ polls: { autoStart: false, startBackMs: DAY } }));
});
afterAll(async () => close());

const run = () => stack.polls!.scheduler.invoke({ provider: 'football', poll: 'fixtures' });
const faults = (settings: unknown) =>
  fetch(`${stack.polls!.simulators.football!.url}/_faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(settings),
  });
const driftLines = () => logs.logs().filter((e) => String(e.message).startsWith('schema drift'));

describe('schema drift through the poller', () => {
  it('counts nothing while the simulator serves what API-Football documents', async () => {
    const summary = await run();
    expect(summary.recordsWritten).toBeGreaterThan(0);
    expect(summary.schemaDrift).toBeUndefined();
    expect(logs.metric('SchemaDrift', { provider: 'football' })).toBe(0);
  });

  it('counts an undocumented field and a new status code per field, once per run in the log, without the values', async () => {
    expect(
      (await faults({ football: { drift: { field: 'fixture.attendance', value: 41_234, status: 'XSTAT', every: 2 } } }))
        .status,
    ).toBe(200);
    const summary = await run();
    const affected = summary.schemaDrift?.['fixture.attendance'];
    expect(affected).toBeGreaterThan(0);
    expect(summary.schemaDrift).toEqual({ 'fixture.attendance': affected, 'fixture.status.short': affected });
    // The records still validate and are stored: drift is a warning, not a failure.
    expect(summary.recordsQuarantined).toBe(0);
    expect(
      logs.metric('SchemaDrift', { provider: 'football', operation: 'fixtures', field: 'fixture.attendance' }),
    ).toBe(affected);
    expect(
      logs.metric('SchemaDrift', { provider: 'football', operation: 'fixtures', field: 'fixture.status.short' }),
    ).toBe(affected);
    expect(driftLines().map((e) => [e.level, e.field, e.drift, e.value_type])).toEqual([
      ['WARN', 'fixture.status.short', 'unknown_enum_value', 'string'],
      ['WARN', 'fixture.attendance', 'unknown_field', 'number'],
    ]);
    expect(logs.lines.join('\n')).not.toMatch(/XSTAT|41234/);

    const state = (await (await fetch(`${stack.url}/_dashboard/state`)).json()) as DashboardState;
    const chart = state.charts.find((c) => c.id === 'drift')!;
    expect(chart.series.map((s) => s.label)).toEqual(['football fixture.attendance', 'football fixture.status.short']);
    expect(chart.series[0]!.values.reduce((a, b) => (a ?? 0) + (b ?? 0), 0)).toBe(affected);
  });

  it('stops counting once the provider is back to its documented shape', async () => {
    await faults({});
    const before = logs.metric('SchemaDrift', { provider: 'football' });
    const summary = await run();
    expect(summary.schemaDrift).toBeUndefined();
    expect(logs.metric('SchemaDrift', { provider: 'football' })).toBe(before);
  });
});
