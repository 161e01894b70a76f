import type { LocalStack } from '../stack';

export interface DemoContext {
  stack: LocalStack;
  /** One short line for the terminal. */
  say(message: string): void;
  /** In [0, 1); injected so tests can make a driver deterministic. */
  random(): number;
}

/** One source of demo traffic (webhooks now; the client, sync and writes demos plug in the same way). */
export interface DemoDriver {
  name: string;
  /** Starts sending; returns a function that stops and waits for what is in flight. */
  start(ctx: DemoContext): () => Promise<void>;
}
