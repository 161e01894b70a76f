import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../local/stack';
import { LogCapture } from './log-capture';

/** A local stack on an ephemeral port with in-memory DynamoDB and a throwaway data folder. */
export async function testStack(opts: LocalStackOptions = {}): Promise<{ stack: LocalStack; logs: LogCapture; close(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'stack-'));
  const logs = new LogCapture();
  const stack = await startLocalStack({ port: 0, memory: true, dataDir, // Retries come back after this; it must exceed a batch's processing time, as in AWS.
    visibilityTimeoutMs: 400, sink: logs.sink, ...opts });
  return {
    stack,
    logs,
    close: async () => {
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Waits for a condition on the stack's state (never for a fixed time). */
export async function until<T>(check: () => Promise<T | undefined> | T | undefined, what = 'condition'): Promise<T> {
  for (let i = 0; i < 2000; i += 1) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}
