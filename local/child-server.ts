import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * Starts a server script in its own node process (tsx loader) and returns its first stdout line, parsed;
 * `stop()` sends SIGTERM and waits for the exit. For load generators and benchmarks that need the server
 * off their own core.
 *
 * @example
 * const stack = await startServer<{ url: string }>('local/load/stack-server.ts');
 * await stack.stop();
 */
export async function startServer<T>(
  script: string,
  args: string[] = [],
  nodeArgs: string[] = [],
): Promise<{ info: T; child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: process.env,
  });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
  });
  return {
    info: JSON.parse(first) as T,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
