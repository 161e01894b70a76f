import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack } from '../../local/stack';

/**
 * The local stack as `npm start` runs it (logs to a file, archive on), in its own process, with
 * the processor paused: in AWS the processor runs on other Lambdas, not on the CPU that ingests.
 * The queue is purged every 200 ms: in AWS queued messages live in SQS, not in the ingest's heap
 * (kept here, tens of thousands of 2 KB messages made GC pauses the p99).
 * Prints `{ url, secret }` when ready; stops on SIGTERM.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'bench-stack-'));
const stack = await startLocalStack({ port: 0, memory: true, dataDir });
await stack.pauseProcessing();
setInterval(() => stack.queues.github?.queue.purge(), 200).unref();
console.log(JSON.stringify({ url: stack.url, secret: await stack.secrets.get('github', 'webhookSecret') }));
process.on('SIGTERM', () => {
  void stack.stop().finally(() => {
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
});
