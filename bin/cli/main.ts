import { type ParseArgsConfig, parseArgs } from 'node:util';

/** Where a CLI writes and what it reads from its environment: process's own, or a test's. */
export interface CliIO {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  env: Record<string, string | undefined>;
}

/** A CLI as a function: arguments in, exit code out; nothing inside calls process.exit. */
export type Main = (argv: string[], io?: CliIO) => Promise<number>;

/** A bad flag, a missing argument or a bad value: one line and the usage, exit code 2. */
export class UsageError extends Error {}

export const processIO = (): CliIO => ({ stdout: process.stdout, stderr: process.stderr, env: process.env });

const PARSE_ERRORS = new Set([
  'ERR_PARSE_ARGS_UNKNOWN_OPTION',
  'ERR_PARSE_ARGS_INVALID_OPTION_VALUE',
  'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL',
]);

/**
 * node:util's parseArgs, strict, with its errors as UsageErrors of one sentence ("Unknown option '--queue'").
 *
 * @example
 * const { values } = parseCli(argv, { options: { seed: { type: 'string', default: '42' } } });
 */
export function parseCli<const T extends Omit<ParseArgsConfig, 'args' | 'strict'>>(
  argv: string[],
  config: T,
): ReturnType<typeof parseArgs<T & { args: string[]; strict: true }>> {
  try {
    return parseArgs({ ...config, args: argv, strict: true });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code && PARSE_ERRORS.has(code)) throw new UsageError((err as Error).message.split('. ')[0]!);
    throw err;
  }
}

/** `--help` or `-h` before any `--`. */
export function wantsHelp(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/**
 * A CLI's main around its body: `--help` prints the usage (exit 0); a UsageError prints its line and the usage
 * (exit 2); any other failure prints one line (exit 1). Never a stack trace.
 *
 * @example
 * export const main = cliMain(USAGE, async (argv, io) => { const { values } = parseCli(argv, { options }); ...; return 0; });
 */
export function cliMain(usage: string, body: (argv: string[], io: CliIO) => Promise<number>): Main {
  return async (argv, io = processIO()) => {
    if (wantsHelp(argv)) {
      io.stdout.write(`${usage}\n`);
      return 0;
    }
    try {
      return await body(argv, io);
    } catch (err) {
      if (err instanceof UsageError) {
        io.stderr.write(`${err.message}\n\n${usage}\n`);
        return 2;
      }
      io.stderr.write(`${(err as Error)?.message ?? String(err)}\n`);
      return 1;
    }
  };
}

/**
 * Runs a CLI's main on this process's arguments and exits with its code: the whole of a thin entry file.
 *
 * @example
 * await runEntry(main); // bin/chaos.ts
 */
export async function runEntry(main: Main): Promise<never> {
  process.exit(await main(process.argv.slice(2), processIO()));
}

/** A flag's value as a positive integer, or a UsageError naming the flag. */
export function positiveInt(name: string, value: string | undefined, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new UsageError(
      `--${name} must be a positive integer${max < Number.MAX_SAFE_INTEGER ? ` (at most ${max})` : ''}, got ${value}`,
    );
  return n;
}
