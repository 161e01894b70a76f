/** Unix seconds as providers send them (digits only); undefined for anything else. */
export function parseUnixSeconds(text: string | undefined): number | undefined {
  return text !== undefined && /^\d{1,12}$/.test(text) ? Number(text) : undefined;
}

/**
 * True when `seconds` lies within `toleranceSeconds` of `now`, before or after: an old timestamp is a
 * replay, a future one a forged or badly skewed clock. Whole seconds, as the providers' own libraries compare.
 */
export function withinTolerance(seconds: number, now: Date, toleranceSeconds: number): boolean {
  return Math.abs(Math.floor(now.getTime() / 1000) - seconds) <= toleranceSeconds;
}
