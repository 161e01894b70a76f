/**
 * A value built on first use and shared after; a failed build is retried on the next use.
 * Adapters import their AWS SDK module through it so a client that a Lambda rarely needs (S3 for
 * oversized bodies at ingest, SQS for the processor's DLQ) costs nothing at cold start: importing
 * `@aws-sdk/client-s3` alone takes longer than all of a handler's own code.
 *
 * @example
 * const sdk = lazy(() => import('@aws-sdk/client-s3'));
 * const { PutObjectCommand } = await sdk();
 */
export function lazy<T>(build: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () =>
    (value ??= build().catch((err: unknown) => {
      value = undefined;
      throw err;
    }));
}

/** A client given as is, or as a factory run on first use (see `lazy`). */
export type ClientSource<C> = C | (() => Promise<C>);

export function clientFrom<C extends object>(source: ClientSource<C>): () => Promise<C> {
  return typeof source === 'function' ? lazy(source as () => Promise<C>) : async () => source;
}
