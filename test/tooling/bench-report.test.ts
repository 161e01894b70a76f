import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { figure, type Scenario } from '../../bench/figure';
import {
  formatMarkdown,
  formatSummary,
  formatTable,
  meetsTarget,
  runScenarios,
  writeResults,
} from '../../bench/report';
import { scenarios } from '../../bench/scenarios';
import { staticSdkImports } from '../../bench/scenarios/cold-start';

const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A tiny fake scenario: the harness is exercised, nothing is timed.
const fake: Scenario = {
  id: 'processor',
  description: 'fake',
  run: async (opts) => [
    figure('processor', 'throughput', 180.12345, 'events/s', { baseline: 200, target: '>= 0.7 ratio' }),
    figure('processor', 'writes per event', 3, 'writes'),
    figure('processor', 'bundle', 160, 'KB', { baseline: 600, target: '<= 150 KB' }),
    figure('processor', 'quick?', opts?.quick ? 1 : 0, 'flag'),
  ],
};
const broken: Scenario = { id: 'cost', description: 'throws', run: async () => Promise.reject(new Error('no stack')) };

describe('benchmark harness', () => {
  it('runs every scenario in turn, passes --quick on, and keeps going after one fails', async () => {
    const log: string[] = [];
    const { results, failures } = await runScenarios([broken, fake], { quick: true }, (l) => log.push(l));
    expect(failures.map((f) => f.id)).toEqual(['cost']);
    expect(results.map((r) => r.figure)).toEqual(['throughput', 'writes per event', 'bundle', 'quick?']);
    expect(results.at(-1)!.value).toBe(1);
    expect(log.join('\n')).toMatch(/cost: throws[\s\S]*FAILED[\s\S]*no stack[\s\S]*processor: fake/);
  });

  it('writes results.json as an array of { scenario, figure, value, unit, baseline, ratio, target }', async () => {
    const { results } = await runScenarios([fake], {}, () => {});
    const out = join(dir, 'nested', 'results.json');
    writeResults(out, results);
    const written = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>[];
    expect(written).toHaveLength(4);
    for (const row of written)
      expect(Object.keys(row).sort()).toEqual(['baseline', 'figure', 'ratio', 'scenario', 'target', 'unit', 'value']);
    expect(written[0]).toEqual({
      scenario: 'processor',
      figure: 'throughput',
      value: 180.123,
      unit: 'events/s',
      baseline: 200,
      ratio: 0.901,
      target: '>= 0.7 ratio',
    });
    expect(written[1]).toMatchObject({ baseline: null, ratio: null, target: '' });
  });

  it('prints an aligned table that says which targets are met and which are missed', async () => {
    const { results } = await runScenarios([fake], {}, () => {});
    const lines = formatTable(results).split('\n');
    expect(lines[0]).toMatch(/^scenario\s+figure\s+value\s+baseline\s+ratio\s+target$/);
    expect(lines[1]).toMatch(/^-+( +-+)+$/);
    expect(lines[2]).toMatch(/throughput\s+180\.123 events\/s\s+200 events\/s\s+0\.901x\s+>= 0\.7 ratio\s+met$/);
    expect(lines[4]).toMatch(/bundle\s+160 KB\s+600 KB\s+0\.267x\s+<= 150 KB\s+MISSED$/);
    expect(lines[3]).toMatch(/writes per event\s+3 writes$/);
  });

  it('reads targets on the ratio or on the value in the same unit, and leaves others unjudged', () => {
    const f = (value: number, unit: string, target: string, baseline?: number) =>
      figure('cold-start', 'x', value, unit, { baseline, target });
    expect(meetsTarget(f(40, 'ms', '<= 50 ms'))).toBe(true);
    expect(meetsTarget(f(60, 'ms', '<= 50 ms'))).toBe(false);
    expect(meetsTarget(f(1.05, 's', '<= 1.10 ratio', 1))).toBe(true);
    expect(meetsTarget(f(0.5, '%', '<= 1 %'))).toBe(true);
    expect(meetsTarget(f(3, 'ms', '<= 5 us'))).toBeUndefined();
    expect(meetsTarget(f(3, 'ms', ''))).toBeUndefined();
    expect(meetsTarget(f(3, 'ms', '>= 0.5 ratio'))).toBeUndefined();
  });

  it('ends with every target met or MISSED, and names the scenarios that failed', async () => {
    const { results } = await runScenarios([fake], {}, () => {});
    expect(formatSummary(results, ['cost']).split('\n')).toEqual([
      'targets: 1 of 2 met',
      'met     processor: throughput: 0.901x (target >= 0.7 ratio)',
      'MISSED  processor: bundle: 160 KB (target <= 150 KB)',
      'FAILED  cost: scenario failed, its targets not measured',
    ]);
  });

  it("writes the docs' Markdown table, headed by the machine and its load during the run", async () => {
    const { results } = await runScenarios([fake], {}, () => {});
    const meta = { date: '2026-12-06', node: '20.20.2', cores: 2, seconds: 227.4, quick: false };
    const md = formatMarkdown(results, { ...meta, loadBefore: [4.51, 4, 3], loadAfter: [3.5, 3.9, 3.2] }).split('\n');
    expect(md[0]).toBe(
      '2026-12-06: 2 cores, Node 20.20.2, 227 s; load average (1 / 5 / 15 min) 4.5 / 4.0 / 3.0 before, 3.5 / 3.9 / 3.2 after.',
    );
    expect(md[2]).toBe('| scenario | figure | value | baseline | ratio | target |  |');
    expect(md[4]).toBe('| processor | throughput | 180.123 events/s | 200 events/s | 0.901 | >= 0.7 ratio | met |');
    expect(md).toHaveLength(3 + 1 + results.length + 1);
  });

  it('registers every scenario once, under the ids results.json uses', () => {
    const ids = scenarios.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(
      expect.arrayContaining(['webhook-ingest', 'rate-limited-sync', 'processor', 'cold-start', 'records-api']),
    );
  });

  it('finds the SDK packages a minified bundle imports at init, not the ones it imports on use', () => {
    const code =
      'import{a as b}from"@aws-sdk/client-dynamodb";import"@aws-sdk/util-dynamodb";const s=()=>import("@aws-sdk/client-sqs");import * as e from "@aws-sdk/client-s3"';
    expect(staticSdkImports(code)).toEqual([
      '@aws-sdk/client-dynamodb',
      '@aws-sdk/client-s3',
      '@aws-sdk/util-dynamodb',
    ]);
  });
});
