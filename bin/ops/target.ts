import type { DeadLetter } from '../../lambdas/core/dead-letter-summary';
import type { ListableBlobStore, QueueMessage } from '../../lambdas/core/ports';

/** Where ops commands act: the running local stack, or a deployed stack with `--aws`. */
export interface OpsTarget {
  /** Shown in every command's output, so nobody mistakes which stack was changed. */
  readonly where: string;
  listDlq(provider: string, limit: number): Promise<{ messages: DeadLetter[]; total: number }>;
  /** Moves the provider's DLQ back to its queue; `moved` is exact locally, SQS's count on AWS. */
  redrive(provider: string, opts: { wait: boolean }): Promise<{ moved: number; status: string; handle?: string }>;
  /** Sends one chunk (<= 10 messages, <= 1 MiB) to the provider's queue. */
  enqueue(provider: string, messages: QueueMessage[]): Promise<void>;
  /** The event archive (blob store). */
  readonly blobs: ListableBlobStore;
}
