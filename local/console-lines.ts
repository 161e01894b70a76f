import { printable } from '../lambdas/core/printable';

/**
 * INFO messages `npm start` shows on the terminal without `--verbose`: what a newcomer wants to see
 * happen (a webhook in, a sync run's summary, a command's outcome, an alarm back to OK). Every WARN and
 * ERROR line is shown too; everything else (each outbound call, each page) is only in `.local/logs.jsonl`.
 */
export const NOTABLE_INFO = new Set([
  'webhook accepted',
  'sync run finished',
  'sync gap closed',
  'command done',
  'command already done, skipped',
  'alarm cleared',
  'circuit closed',
]);

/** Prefixes of notable INFO messages that carry a detail (`sync run stopped: busy`). */
const NOTABLE_PREFIXES = ['sync run stopped'];

// Fields that say nothing on a terminal (Powertools' sampling and X-Ray ids).
const HIDDEN = new Set(['level', 'message', 'timestamp', 'service', 'sampling_rate', 'xray_trace_id']);

/**
 * The terminal line for one log line the stack wrote, or undefined when it stays in the log file only:
 * EMF metric documents never show; INFO only when notable (or `verbose`); WARN and ERROR always.
 *
 * @example
 * const text = consoleLine(line, { verbose: false });
 * if (text) console.log(text);
 */
export function consoleLine(line: string, opts: { verbose?: boolean } = {}): string | undefined {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return printable(line);
  }
  if (entry._aws) return undefined;
  const level = String(entry.level ?? '').toUpperCase();
  const message = String(entry.message ?? '');
  const shown =
    opts.verbose ||
    (level !== 'INFO' && level !== 'DEBUG') ||
    NOTABLE_INFO.has(message) ||
    NOTABLE_PREFIXES.some((p) => message.startsWith(p));
  if (!shown) return undefined;
  const fields = Object.entries(entry)
    .filter(([k]) => !HIDDEN.has(k))
    .map(([k, v]) => `${printable(k)}=${printable(typeof v === 'string' ? v : JSON.stringify(v))}`)
    .join(' ');
  // Every part may carry what a provider or caller sent (a provider name, an error message): escaped, never raw.
  const head = `${printable(String(entry.timestamp ?? '').slice(11, 19))} ${printable(level.padEnd(5))}`;
  return `${head} ${printable(String(entry.service ?? ''))}: ${printable(message)} ${fields}`.trimEnd();
}
