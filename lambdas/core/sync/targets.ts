import { createHash } from 'node:crypto';
import { IntegrationError } from '../errors';
import type { SecretStore } from '../ports';
import type { SyncSource } from '../provider';
import { SYNC_DEFAULTS } from './defaults';
import { addSummaries, type RunSummary } from './summary';

/**
 * The targets a secret lists: separated by commas, spaces or newlines, blanks dropped, each once.
 *
 * @example
 * parseTargets('5f3c0a1b2c3d4e5f60718293, 64ab...\n') // ['5f3c0a1b2c3d4e5f60718293', '64ab...']
 */
export function parseTargets(value: string): string[] {
  return [...new Set(value.split(/[\s,]+/).filter((t) => t.length > 0))];
}

/**
 * The targets a source runs for: those its `targets` secret lists, or one unnamed target when it has none.
 * A secret that lists nothing is a configuration error (`permanent`): the invocation fails and lands in the DLQ.
 *
 * @example
 * for (const target of await targetsOf(trello, actionsRecovery, secrets)) await runFor(target);
 */
export async function targetsOf(
  provider: string,
  source: Pick<SyncSource, 'targets'>,
  secrets: SecretStore,
): Promise<(string | undefined)[]> {
  if (!source.targets) return [undefined];
  const listed = parseTargets(await secrets.get(provider, source.targets.secret));
  if (listed.length === 0)
    throw new IntegrationError(
      'permanent',
      `${provider}: secret ${source.targets.secret} lists no ${source.targets.describe}`,
    );
  return listed;
}

/**
 * A target's name in state keys, logs and metrics: a short hash, since it comes from a secret (a shop, a repository).
 *
 * @example
 * targetTag('5f3c0a1b2c3d4e5f60718293') // 'a41c0f9e2b7d' (always the same for that board)
 */
export const targetTag = (target: string): string => createHash('sha256').update(target).digest('hex').slice(0, 12);

/**
 * A source bound to one target, under its own state name (`<name>@<tag>`): its own checkpoint, gaps and lease.
 *
 * @example
 * const board = forTarget(cardsPoll, 'cards', '5f3c0a1b2c3d4e5f60718293'); // name 'cards@a41c0f9e2b7d'
 */
export function forTarget<S extends SyncSource>(source: S, stateName: string, target: string | undefined): S {
  return {
    ...source,
    name: target === undefined ? stateName : `${stateName}@${targetTag(target)}`,
    request: (window) => source.request(window, target),
  };
}

/**
 * Runs `run` for each target in turn, each bound to its own state name, until the invocation runs short of time
 * (the targets left run next time, from their own checkpoints); their summaries added up.
 *
 * @example
 * const summary = await eachTarget('trello', cardsPoll, 'cards', { secrets, remainingMs }, (poll) => runPoll({ provider, poll }, deps));
 */
export async function eachTarget<S extends SyncSource>(
  provider: string,
  source: S,
  stateName: string,
  deps: { secrets: SecretStore; remainingMs?: () => number; only?: string },
  run: (bound: S, target: string | undefined) => Promise<RunSummary>,
): Promise<RunSummary> {
  const targets = deps.only !== undefined ? [deps.only] : await targetsOf(provider, source, deps.secrets);
  let total: RunSummary | undefined;
  for (const target of targets) {
    if (total && deps.remainingMs && deps.remainingMs() < SYNC_DEFAULTS.stopMarginMs) break;
    const summary = await run(forTarget(source, stateName, target), target);
    total = total ? addSummaries(total, summary) : summary;
  }
  return total!;
}
