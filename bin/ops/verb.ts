import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import type { ProviderDefinition } from '../../lambdas/core/provider';
import { QUEUE_KINDS, type QueueKind } from '../../lambdas/core/resource-tags';
import { DEFAULT_STAGE } from '../../lib/stages';
import { type CliIO, UsageError } from '../cli/main';
import { LocalOpsTarget, type RunningStack, runningStack } from './local-target';
import type { OpsTarget, QueueRef } from './target';
import { terminalSafe } from '../../lambdas/core/printable';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * One `npm run ops -- <verb>`: its usage line, its own flags and what it does. Adding a verb: a file in
 * bin/ops/ exporting one, and a line in bin/ops/verbs.ts.
 *
 * @example
 * export const verb: OpsVerb = { synopsis: 'dlq <provider>', summary: 'list dead-lettered messages', run: async (ctx) => 0 };
 */
export interface OpsVerb {
  /** The verb and its arguments, as the usage shows them: `replay <provider> --from ISO --to ISO`. */
  synopsis: string;
  /** What it does, in a line. */
  summary: string;
  /** Acts on the local stack only (it talks to its HTTP API or its files): `--aws` is a usage error. */
  localOnly?: boolean;
  /** Its flags beside the common ones (COMMON_OPTIONS). */
  options?: Options;
  /** Resolves to the exit code; throws a UsageError for a missing or bad argument. */
  run(ctx: OpsContext): Promise<number>;
}

/** Flags every verb takes. */
export const COMMON_OPTIONS = {
  'data-dir': { type: 'string', default: '.local' },
  json: { type: 'boolean', default: false },
  aws: { type: 'boolean', default: false },
  stage: { type: 'string', default: DEFAULT_STAGE },
  'endpoint-url': { type: 'string' },
} as const satisfies Options;

/** What a verb gets: its arguments and flags, where to write, and the stack it acts on. */
export class OpsContext {
  constructor(
    /** Positional arguments after the verb. */
    readonly args: string[],
    private readonly values: Record<string, string | boolean | (string | boolean)[] | undefined>,
    readonly io: CliIO,
    /** The providers the CLI knows (the registry). */
    readonly providers: readonly ProviderDefinition[],
  ) {}

  /** A string flag's value. */
  option(name: string): string | undefined {
    const v = this.values[name];
    return typeof v === 'string' ? v : undefined;
  }

  flag(name: string): boolean {
    return this.values[name] === true;
  }

  get json(): boolean {
    return this.flag('json');
  }

  get aws(): boolean {
    return this.flag('aws');
  }

  get dataDir(): string {
    return this.option('data-dir')!;
  }

  /** The deployed stage `--aws` acts on. */
  get stage(): string {
    return this.option('stage')!;
  }

  /** The SDK clients' endpoint and region with `--aws`: `--endpoint-url` (moto, LocalStack), else AWS's. */
  get awsConnection(): { endpoint?: string; region?: string } {
    const endpoint = this.option('endpoint-url');
    return { endpoint, region: this.io.env.AWS_REGION ?? (endpoint ? 'us-east-1' : undefined) };
  }

  /** The provider's queue a verb acts on: the first argument and `--queue` (default webhooks). */
  queue(what = 'a provider'): QueueRef {
    const kind = this.option('queue') ?? 'webhooks';
    if (!(QUEUE_KINDS as readonly string[]).includes(kind))
      throw new UsageError(`--queue must be one of ${QUEUE_KINDS.join(', ')}, got ${kind}`);
    const def = this.provider(this.args[0], what);
    const has = {
      webhooks: def.webhook,
      commands: def.writes,
      scheduler: def.polls?.length,
      recovery: def.recover?.length,
    } as const;
    if (!has[kind as QueueKind]) throw new UsageError(`${def.name} has no ${kind} queue`);
    return { provider: def.name, kind: kind as QueueKind };
  }

  /** A provider by name, or a UsageError naming the known ones. */
  provider(name: string | undefined, what = 'a provider'): ProviderDefinition {
    const def = name ? this.providers.find((p) => p.name === name) : undefined;
    if (def) return def;
    const known = this.providers.map((p) => p.name).join(', ');
    throw new UsageError(name ? `unknown provider ${name}; known: ${known}` : `missing ${what}: one of ${known}`);
  }

  /** The local stack `npm start` runs on the data folder. */
  running(): RunningStack {
    return runningStack(this.dataDir);
  }

  /** Whether `npm start` runs on the data folder. */
  isRunning(): boolean {
    return existsSync(join(this.dataDir, 'stack.json'));
  }

  /** The local stack, or with `--aws` the deployed one. */
  async target(): Promise<OpsTarget> {
    if (this.aws) {
      const { AwsOpsTarget } = await import('./aws-target');
      return AwsOpsTarget.connect(this.stage, this.awsConnection);
    }
    const running = this.running();
    if (!running.adminUrl) throw new Error('the running local stack has no admin API: restart it with `npm start`');
    return new LocalOpsTarget(running, this.dataDir);
  }

  /** One result: JSON with `--json`, else its text. */
  print<T>(result: T, text: (r: T) => string): void {
    // Results hold what providers sent (event ids, failure reasons, record keys): never a raw control character.
    this.io.stdout.write(`${this.json ? JSON.stringify(result) : terminalSafe(text(result))}\n`);
  }
}
