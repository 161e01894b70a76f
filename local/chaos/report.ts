import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChaosResult } from './run';
import { type RouteFigures, routePassed } from './routes';
import type { ChaosFigures } from './verify';

/** Which figures the pass condition constrains, and how. */
const RULES: Partial<Record<keyof ChaosFigures, (f: ChaosFigures) => boolean>> = {
  lost: (f) => f.lost === 0,
  duplicated: (f) => f.duplicated === 0,
  stale_overwrites: (f) => f.stale_overwrites === 0,
  forged_accepted: (f) => f.forged_accepted === 0,
  secrets_found_in_logs: (f) => f.secrets_found_in_logs === 0,
  records_found: (f) => f.records_found === f.records_expected,
  provider_resources_found: (f) => f.provider_resources_found === f.writes_expected,
};

const row = (cells: (string | number)[], widths: number[]) =>
  cells.map((c, i) => String(c).padEnd(widths[i]!)).join('  ');

/**
 * The run as a table: the figures (with the pass rule each one must meet), then what was injected.
 *
 * @example
 * console.log(chaosTable(result));
 */
export function chaosTable(r: ChaosResult): string {
  const f = r.figures;
  const lines = [
    row(['figure', 'value', 'check'], [28, 10, 6]),
    row(['-'.repeat(28), '-'.repeat(10), '-'.repeat(6)], [28, 10, 6]),
  ];
  for (const [name, value] of Object.entries(f)) {
    const rule = RULES[name as keyof ChaosFigures];
    lines.push(row([name, value, rule ? (rule(f) ? 'ok' : 'FAIL') : ''], [28, 10, 6]));
  }
  const s = r.stats;
  const faults = Object.entries(s.simulatorFaults).map(
    ([sim, kinds]) =>
      `  ${sim}: ${
        Object.entries(kinds)
          .map(([k, n]) => `${k} x${n}`)
          .join(', ') || 'none'
      }`,
  );
  lines.push(
    '',
    'injected and observed',
    `  webhook deliveries: ${Object.entries(s.deliveries)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}; entities sent out of order: ${s.outOfOrderEntities}`,
    `  DynamoDB: ${s.dynamo.writes} writes; ${s.dynamo.failed} attempts failed and retried by the SDK, ${s.dynamo.surfaced} failures past its retries (throttling, internal errors); ${s.dynamo.crashes} processor crashes mid-batch (${s.crashesObserved} invocations timed out)`,
    `  backfill: ${s.backfill.days} days, ${s.backfill.plannedPages} pages once; ${s.backfill.pages} pages fetched in ${s.backfill.runs} runs (${s.backfill.failedRuns} failed), ${s.backfill.http429} 429s, ${s.backfill.retries} retries, ${s.backfill.gapsOpened} gaps opened, ${s.backfill.gapsLeft} left`,
    `  commands: ${s.commands.sent} sent, ${s.commands.accepted} accepted`,
    `  change events: ${s.changes.published} published, ${s.changes.replayed} replayed to the routes`,
    `  simulator faults:`,
    ...faults,
    `  quarantined fixtures: ${r.details.quarantined}; poison events sent: ${r.details.poisonSent}`,
  );
  const d = r.details;
  if (d.unexpectedAnswers.length)
    lines.push(
      `  unexpected answers: ${d.unexpectedAnswers.length}, e.g. ${JSON.stringify(d.unexpectedAnswers.slice(0, 3))}`,
    );
  if (d.unexpectedDeadLetters.length)
    lines.push(
      `  unexpected dead letters: ${d.unexpectedDeadLetters.length}, e.g. ${JSON.stringify(d.unexpectedDeadLetters.slice(0, 3))}`,
    );
  if (d.failedCommands.length)
    lines.push(
      `  commands not succeeded: ${d.failedCommands.length}, e.g. ${JSON.stringify(d.failedCommands.slice(0, 3))}`,
    );
  if (d.unexpectedRecords.length)
    lines.push(
      `  unexpected records: ${d.unexpectedRecords.length}, e.g. ${d.unexpectedRecords.slice(0, 3).join(', ')}`,
    );
  lines.push('', ...routesTable(r.routes));
  lines.push('', `${r.pass ? 'PASS' : 'FAIL'} in ${(r.durationMs / 1000).toFixed(1)} s`);
  return lines.join('\n');
}

/** Per route: the changes it matched, the commands it sent, the writes made, duplicates; each must match. */
function routesTable(routes: RouteFigures[]): string[] {
  const widths = [22, 8, 9, 7, 10, 11, 6];
  return [
    'routes (every change event replayed once at the end; events delivered twice, stream batches put twice)',
    row(['route', 'matched', 'commands', 'writes', 'refs/found', 'duplicated', 'check'], widths),
    ...routes.map((f) =>
      row(
        [
          f.route,
          f.expected === undefined ? f.changes_matched : `${f.changes_matched}/${f.expected}`,
          f.commands_sent,
          f.provider_writes,
          `${f.refs}/${f.resources_found}`,
          f.duplicated,
          routePassed(f) ? 'ok' : 'FAIL',
        ],
        widths,
      ),
    ),
  ];
}

/**
 * `result.json` (exactly the figures, and the routes' under `routes`), `details.json` (everything else) and
 * `logs.jsonl` (what the stack logged), under `dir`.
 */
export function writeChaosFiles(dir: string, r: ChaosResult, meta: Record<string, unknown>): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'result.json'), `${JSON.stringify({ ...r.figures, routes: r.routes }, null, 2)}\n`);
  writeFileSync(
    join(dir, 'details.json'),
    `${JSON.stringify({ ...meta, pass: r.pass, durationMs: r.durationMs, stats: r.stats, details: r.details }, null, 2)}\n`,
  );
  writeFileSync(join(dir, 'logs.jsonl'), `${r.logLines.join('\n')}\n`);
}
