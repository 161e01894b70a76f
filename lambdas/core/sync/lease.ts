import type { Run } from './run';

/**
 * Takes or renews the poll's lease for `leaseMs`, never past the Lambda's remaining time; false while another run holds
 * it.
 *
 * @example
 * if (!(await takeLease(run))) stop(run, 'busy'); // renewed after each window
 */
export function takeLease(run: Run): Promise<boolean> {
  const { deps } = run;
  const { leaseMs } = run.options;
  const now = deps.now();
  return deps.state.acquireLease(
    run.provider,
    run.poll.name,
    deps.traceId,
    now,
    deps.now() + Math.min(leaseMs, deps.remainingMs?.() ?? leaseMs),
  );
}

/**
 * Runs `work` holding the poll's lease, and lets it go after; false, with nothing run, while another run holds it.
 *
 * @example
 * if (!(await withLease(run, () => syncScheduled(run)))) stop(run, 'busy');
 */
export async function withLease(run: Run, work: () => Promise<void>): Promise<boolean> {
  if (!(await takeLease(run))) return false;
  try {
    await work();
  } finally {
    await run.deps.state.releaseLease(run.provider, run.poll.name, run.deps.traceId);
  }
  return true;
}
