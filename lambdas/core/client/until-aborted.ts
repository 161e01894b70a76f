/**
 * Settles as `work` does, or rejects with the signal's reason once it aborts, whichever comes first.
 * Hand-written: a promise that takes no signal (a SecretStore read, a shared token request) has no other bound.
 *
 * @example
 * const key = await untilAborted(secrets.get('github', 'token'), time.timeout(2000)); // rejects with a TimeoutError after 2 s
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
