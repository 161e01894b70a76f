import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secretValues } from '../../lambdas/core/secret-values';
import { isSimulatedTarget, type SecretsFile } from '../../local/secrets';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../local/stack';
import { LogCapture } from './log-capture';

/** Every secret value the stack holds now (each value of a rotation list too). */
function secretsOf(stack: LocalStack): string[] {
  return Object.values(stack.secrets.read())
    .flatMap((entry) => Object.values(entry).flatMap((v) => [v, ...secretValues(v)]))
    .filter((v) => v.length >= 8 && !isSimulatedTarget(v));
}

/**
 * A local stack on an ephemeral port with in-memory DynamoDB and a throwaway data folder.
 * `close()` fails the suite if any secret value the stack held appears in any captured log line.
 */
export async function testStack(
  opts: LocalStackOptions & { secrets?: SecretsFile } = {},
): Promise<{ stack: LocalStack; logs: LogCapture; close(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'stack-'));
  // Known values instead of random ones, for tests that scan logs for them.
  if (opts.secrets) writeFileSync(join(dataDir, 'secrets.json'), JSON.stringify(opts.secrets));
  const logs = new LogCapture();
  const stack = await startLocalStack({
    port: 0,
    memory: true,
    dataDir, // Retries come back after this; it must exceed a batch's processing time, as in AWS.
    visibilityTimeoutMs: 400,
    sink: logs.sink,
    ...opts,
  });
  const known = new Set(secretsOf(stack));
  return {
    stack,
    logs,
    close: async () => {
      for (const v of secretsOf(stack)) known.add(v);
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
      const leaked = logs.leaked([...known]);
      if (leaked.length > 0) throw new Error(`${leaked.length} secret value(s) appeared in log lines`);
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
