import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProviderDefinition } from '../../../lambdas/core/provider';
import type { RunSummary } from '../../../lambdas/core/sync/summary';
import { providers as allProviders } from '../../../lambdas/providers';
import type { RecoverySimulators } from '../../recovery';
import { FileSecretStore } from '../../secrets';
import { VirtualTimeline } from '../../simulators/timeline';
import { startLocalStack, type LocalStack } from '../../stack';
import { seeded } from '../random';
import { type EdgeMode, startEdge } from './edge';
import { type DrillFigures, drillFigures, drillPassed } from './figures';
import { type DrillPlanOptions, type DrillProvider, type Outage, planDrill } from './plan';
import { DRILL_BOARD, drillSenders, emit } from './senders';

const HOUR = 3_600_000;

export interface DrillOptions extends DrillPlanOptions {
  seed: number;
  onProgress?(line: string): void;
}

export interface DrillResult {
  figures: Record<DrillProvider, DrillFigures>;
  pass: boolean;
  durationMs: number;
  /** The outages, in minutes from the start of provider time. */
  outages: { status: number; fromMin: number; toMin: number }[];
  /** Requests the edge answered, per mode (`up`: passed to the stack). */
  edge: Record<string, number>;
  /** Per provider: attempts its sender made, and events it gave up on. */
  attempts: Record<string, { attempts: number; gaveUp: number }>;
  recovery: { runs: number; failed: number; eventsRecovered: number };
  /** Provider time the drill covered, in hours. */
  simulatedHours: number;
}

/**
 * Providers with a recovery API get clients that go as fast as the simulators answer: the drill runs hours of provider
 * time in seconds.
 */
function drillDefinitions(): ProviderDefinition[] {
  return allProviders.map((p) =>
    p.recover ? { ...p, rateLimit: { ...p.rateLimit, requestsPerSecond: 500, burst: 100 } } : p,
  );
}

const modeAt = (outages: readonly Outage[], t: number): EdgeMode =>
  outages.find((o) => t >= o.from && t < o.to)?.status ?? 'up';

/** Runs every recovery once, as their hourly schedules do, and adds up what they did. */
async function recoverAll(stack: LocalStack, tally: DrillResult['recovery']): Promise<void> {
  for (const provider of stack.providers)
    for (const recovery of provider.recover ?? []) {
      tally.runs += 1;
      try {
        const summary: RunSummary = await stack.recovery!.scheduler.invoke({
          provider: provider.name,
          recovery: recovery.name,
        });
        tally.eventsRecovered += summary.eventsRecovered;
      } catch {
        tally.failed += 1;
      }
    }
}

/**
 * A stack for the drill: in memory, processing fast, recovery on the providers' clock, the drill's board in secrets.
 */
async function drillStack(
  dataDir: string,
  definitions: ProviderDefinition[],
  time: VirtualTimeline,
  logLines: string[],
) {
  const secrets = new FileSecretStore(join(dataDir, 'secrets.json'));
  secrets.ensure(definitions);
  secrets.put('trello', 'boards', DRILL_BOARD);
  return startLocalStack({
    port: 0,
    memory: true,
    dataDir,
    providers: definitions,
    sink: (line) => logLines.push(line),
    visibilityTimeoutMs: 3000,
    processor: { timeoutMs: 2000 },
    recovery: { autoStart: false, timeline: time },
  });
}

/**
 * The outage drill: the local stack behind an edge that answers 503 for 12 minutes of provider time, then, apart,
 * 429 for 12 more, while every webhook provider's simulator emits events and sends them as it documents (Stripe for
 * 3 days, GitHub once, Shopify 8 times over 4 hours, Slack 3 times, Trello 3 times, Svix 8 times over a day), then
 * gives up; recovery runs every hour of provider time, as scheduled. Provider time is discrete (VirtualTimeline):
 * six hours take seconds. Figures per provider: see DrillFigures; it passes when drillPassed says so.
 *
 * @example
 * const drill = await runOutageDrill({ seed: 42 });
 * console.log(drillTable(drill.figures), drill.pass);
 */
export async function runOutageDrill(opts: DrillOptions): Promise<DrillResult> {
  const started = Date.now();
  const definitions = drillDefinitions();
  const plan = planDrill(seeded(opts.seed).fork('drill'), definitions, opts);
  const time = new VirtualTimeline(plan.start);
  const dataDir = mkdtempSync(join(tmpdir(), 'drill-'));
  const logLines: string[] = [];
  const stack = await drillStack(dataDir, definitions, time, logLines);
  const edge = await startEdge(stack.url, () => modeAt(plan.outages, time.now()));
  try {
    const sims = stack.recovery!.simulators as Required<RecoverySimulators>;
    const senders = drillSenders(sims, definitions, stack.secrets, edge.url, time);
    for (const e of plan.events) time.schedule(e.version, () => emit(e, sims, senders, definitions));
    const recovery = { runs: 0, failed: 0, eventsRecovered: 0 };
    for (let at = plan.start; at <= plan.horizon; at += HOUR) time.schedule(at, () => recoverAll(stack, recovery));
    opts.onProgress?.(
      `outage drill: ${plan.events.length} events over ${(plan.horizon - plan.start) / HOUR} hours of provider time`,
    );
    await time.run();
    await Promise.race([stack.drained(), new Promise((resolve) => setTimeout(resolve, 60_000))]);
    const figures = await drillFigures(plan.events, senders, logLines, stack.records);
    return {
      figures,
      pass: drillPassed(figures),
      durationMs: Date.now() - started,
      outages: plan.outages.map((o) => ({
        status: o.status,
        fromMin: (o.from - plan.start) / 60_000,
        toMin: (o.to - plan.start) / 60_000,
      })),
      edge: { ...edge.counts },
      attempts: Object.fromEntries(
        Object.entries(senders).map(([p, s]) => [p, { attempts: s.attempts.length, gaveUp: s.gaveUp.size }]),
      ),
      recovery,
      simulatedHours: (time.now() - plan.start) / HOUR,
    };
  } finally {
    await edge.close();
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
