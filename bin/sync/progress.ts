import { SingleBar } from 'cli-progress';
import type { RunSummary } from '../../lambdas/core/sync/run-poll';
import type { CliIO } from '../cli/main';

export interface SyncProgress {
  update(s: Readonly<RunSummary>): void;
  stop(): void;
}

/** A progress bar on a terminal (windows done/total, records, requests, 429s, ETA); elsewhere nothing. */
export function syncProgress(io: CliIO): SyncProgress {
  if (!io.stdout.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({
    format:
      '{bar} {value}/{total} windows | {records} records | {requests} requests | {http429} 429s | ETA {eta_formatted}',
    hideCursor: true,
    etaBuffer: 20,
    stream: io.stdout as NodeJS.WritableStream,
  });
  let started = false;
  return {
    update(s) {
      const records = s.recordsWritten + s.recordsUnchanged + s.recordsStale;
      const payload = { records, requests: s.requests, http429: s.http429 };
      if (!started) bar.start(Math.max(1, s.windowsPlanned), 0, payload);
      started = true;
      bar.setTotal(Math.max(1, s.windowsPlanned));
      bar.update(s.windows + s.windowsFailed, payload);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
