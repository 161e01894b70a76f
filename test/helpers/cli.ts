import type { CliIO, Main } from '../../bin/cli/main';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a CLI's main in this process, as its entry would with `argv`, capturing what it writes.
 *
 * @example
 * const { code, stdout } = await runCli(main, ['dlq', 'github', '--json', '--data-dir', dir]);
 */
export async function runCli(
  main: Main,
  argv: string[],
  env: Record<string, string | undefined> = process.env,
): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = {
    stdout: { write: (t: string) => out.push(t), isTTY: false },
    stderr: { write: (t: string) => err.push(t) },
    env,
  };
  const code = await main(argv, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}
