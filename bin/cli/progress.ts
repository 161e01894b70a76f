import { SingleBar } from 'cli-progress';
import type { CliIO } from './main';

export interface StatusLine {
  update(text: string): void;
  stop(): void;
}

/**
 * A status line redrawn in place on a terminal (cli-progress); elsewhere (a pipe, a file, CI) nothing, so logs
 * get no repeated lines.
 *
 * @example
 * const status = statusLine(io);
 * status.update('webhooks 120/3000 sent');
 * status.stop();
 */
export function statusLine(io: CliIO): StatusLine {
  if (!io.stdout.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({
    format: '  {status}',
    hideCursor: true,
    clearOnComplete: true,
    stream: io.stdout as NodeJS.WritableStream,
  });
  let started = false;
  return {
    update(text) {
      if (!started) bar.start(1, 0, { status: text });
      started = true;
      bar.update(0, { status: text });
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
