import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Appends log lines to a file through one buffered stream: a synchronous append per line cost
 * the local stack a file open/write/close per log line under load (seen in the webhook-ingest bench).
 *
 * @example
 * const log = logFileSink('.local/logs.jsonl');
 * log.write('{"message":"hello"}');
 * await log.close();
 */
export function logFileSink(path: string): { write(line: string): void; close(): Promise<void> } {
  mkdirSync(dirname(path), { recursive: true });
  const stream = createWriteStream(path, { flags: 'a' });
  return {
    write: (line: string) => {
      stream.write(`${line}\n`);
    },
    close: () => new Promise<void>((resolve) => stream.end(() => resolve())),
  };
}
