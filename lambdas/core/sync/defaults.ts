/** Timing of a sync run (data only: CDK sizes the poller from it, the runner runs by it). */
export const SYNC_DEFAULTS = {
  gapsPerRun: 5,
  /** A gap failed this many times keeps failing: logged as an error and counted in GapsFailing. */
  gapFailingAttempts: 3,
  /** A run starts no new page with less time than this left. */
  stopMarginMs: 10_000,
  /** Kept back from each call's deadline to store its page and the checkpoint. */
  writeReserveMs: 5_000,
  /** A long window saves its page position this often, so a crash repeats at most this many pages. */
  progressEveryPages: 25,
  /** Longest lease a run takes; renewed after each window. */
  leaseMs: 15 * 60_000,
  /** The poller's timeout when a poll does not set one. */
  timeoutSeconds: 300,
} as const;
