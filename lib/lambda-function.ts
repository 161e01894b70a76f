import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Effect, type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ENV } from '../lambdas/core/env-contract';
import { getProvider } from '../lambdas/providers';
import { acknowledgeLogEncryption, acknowledgeRolePolicies } from './acknowledgements';
import { StageSettings } from './stage-settings';
import type { LogLevel } from './stages';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface HandlerFunctionProps {
  /** File under lambdas/handlers/, without extension. */
  handler: string;
  environment?: Record<string, string>;
  timeout?: Duration;
  memorySize?: number;
  /** Default: the stage's (lib/stages.ts), else one month. */
  logRetention?: RetentionDays;
  /** Powertools' log level; default the stage's `logLevel`, else INFO. */
  logLevel?: LogLevel;
  /**
   * Values compiled into the bundle (esbuild `define`, e.g. `process.env.X` to a JSON string literal): for data that
   * changes only with a deploy and could outgrow Lambda's 4 KB of environment variables.
   */
  defines?: Record<string, string>;
  overrides?: Partial<NodejsFunctionProps>;
}

/**
 * Credential sources the SDK's default chain imports only when the environment holds no credentials, which in
 * Lambda it always does (the chain's first link, fromEnv, answers).
 */
const NEVER_AT_INIT = [
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-login',
  '@aws-sdk/credential-provider-http',
  '@smithy/credential-provider-imds',
  '@aws-sdk/nested-clients',
  '@aws-sdk/token-providers',
] as const;

/**
 * Builtins whose ES module import builds a namespace of every export, running lazy getters, on Node 22 and 24
 * (Lambda's runtimes): node:http's load undici, about 19 ms (nodejs/node#59686); node:util's 2.4 ms, node:crypto's
 * 0.8 ms of the writer's cold start. Bundles get each through lambdas/bundle-aliases/node-builtins/<name>.cjs, the
 * builtin taken with process.getBuiltinModule (docs/benchmarks.md#cold-start); the synth test fails on a bundle that
 * still imports one. Not node:fs: no bundle imports it, and its `fs/promises` subpath cannot go to one file.
 */
export const EAGER_BUILTINS = ['http', 'util', 'crypto'] as const;

const builtinAliases = EAGER_BUILTINS.flatMap((name) => {
  const file = path.join(ROOT, 'lambdas', 'bundle-aliases', 'node-builtins', `${name}.cjs`);
  return [`node:${name}=${file}`, `${name}=${file}`];
});

/** How every handler is bundled; `npm run bench` (cold-start) rebuilds with the same options to explain sizes. */
export const BUNDLING = {
  format: OutputFormat.ESM,
  target: 'node22',
  minify: true,
  sourceMap: true,
  mainFields: ['module', 'main'],
  // No `require` banner (createRequire): no bundled CommonJS dependency requires anything esbuild could not inline, and
  // node:module costs 0.4 ms of every cold start. test/infra/synth.slow.test.ts fails if one ever does.
  // The AWS SDK is bundled (tree-shaken ESM loads faster than the runtime's copy: docs/benchmarks.md#cold-start),
  // except what a Lambda never loads at init, left to the runtime's copy.
  externalModules: [...NEVER_AT_INIT],
  esbuildArgs: {
    '--alias': [
      // Powertools idempotency's JMESPath engine (~23 KB) swapped for the bare-field subset this stack uses (see that
      // file).
      `@aws-lambda-powertools/jmespath=${path.join(ROOT, 'lambdas', 'bundle-aliases', 'jmespath')}`,
      ...builtinAliases,
    ],
    // Bundled packages' preserved comments (only `v8 ignore` hints today) go to index.mjs.LEGAL.txt, not into the code.
    '--legal-comments': 'external',
  },
} as const satisfies NodejsFunctionProps['bundling'];

/** The expression lambdas/providers/index.ts tests; defined per function so its bundle holds only its provider. */
export const BUNDLED_PROVIDER = 'process.env.BUNDLED_PROVIDER';
/**
 * The expression lambdas/handlers/shared/provider-clients.ts tests: that provider's auth kind, so only OAuth providers
 * bundle OAuth code.
 */
export const BUNDLED_AUTH = 'process.env.BUNDLED_AUTH';

/** A part of a provider definition that some handlers never read. */
export type ProviderPart = 'writes' | 'recover';

/**
 * The provider parts a handler's code never reads (test/infra/provider-bundles.test.ts checks its imports), left out
 * of its bundle with the zod schemas they build at import (docs/benchmarks.md#cold-start says what it saves).
 * A handler not listed keeps every part.
 */
export const UNREAD_PARTS: Readonly<Record<string, readonly ProviderPart[]>> = {
  'webhook-ingest': ['writes', 'recover'],
  'event-processor': ['writes', 'recover'],
  'source-ips-refresh': ['writes', 'recover'],
  poller: ['writes', 'recover'],
  recovery: ['writes'],
  'command-accept': ['recover'],
  'command-writer': ['recover'],
  'change-route': ['recover'],
};

/** The expression lambdas/providers/*.ts test to leave a part out: `process.env.BUNDLED_WRITES`, `..._RECOVER`. */
const partDefine = (part: ProviderPart): string => `process.env.BUNDLED_${part.toUpperCase()}`;

/**
 * BUNDLING for one function: one that serves a single provider (its PROVIDER variable) gets that provider's
 * definition only, the other providers' files (and the zod they alone use) left out of its bundle: 19-29 KB
 * less per bundle; and OAuth token code only if that provider's auth is OAuth; without PROVIDER, every provider it imports.
 * the provider parts its handler never reads are left out (UNREAD_PARTS); `defines` adds the function's own
 * (HandlerFunctionProps.defines).
 *
 * @example
 * new NodejsFunction(scope, 'Fn', { entry, bundling: bundlingFor('github', {}, 'poller') });
 */
export function bundlingFor(
  provider: string | undefined,
  defines: Record<string, string> = {},
  handler?: string,
): NodejsFunctionProps['bundling'] & Omit<typeof BUNDLING, 'externalModules'> & { externalModules: string[] } {
  const auth = provider ? getProvider(provider)?.auth.kind : undefined;
  const unread = (handler && UNREAD_PARTS[handler]) || [];
  const define = {
    ...(provider ? { [BUNDLED_PROVIDER]: JSON.stringify(provider) } : {}),
    ...(auth ? { [BUNDLED_AUTH]: JSON.stringify(auth) } : {}),
    ...Object.fromEntries(unread.map((part) => [partDefine(part), JSON.stringify('no')])),
    ...defines,
  };
  return {
    ...BUNDLING,
    externalModules: [...BUNDLING.externalModules],
    ...(Object.keys(define).length ? { define } : {}),
  };
}

/** Memory of a handler that sets none (MB); `npm run bench -- --scenario cost` prices GB-seconds with it. */
export const DEFAULT_MEMORY_MB = 256;

/** Runtime all handlers use; the bundle targets the same Node.js version. */
export const RUNTIME = Runtime.NODEJS_22_X;

/**
 * A handler as a Lambda: esbuild bundle (ESM, minified, source maps, the AWS SDK in it but its rarely used parts),
 * its own log group with the stage's retention, its own role that may write only that log group
 * (no AWS managed policy), X-Ray if the stage enables it, and no read of another stage's secrets
 * whatever else it is granted. Secure and small by default, overridable by props.
 */
export class HandlerFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    const stage = StageSettings.of(scope);
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? stage?.logRetention ?? RetentionDays.ONE_MONTH,
      // A stage that keeps its data keeps its logs: deleting the stack must not delete what happened.
      removalPolicy: stage?.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    // Instead of AWSLambdaBasicExecutionRole (logs:* on every log group): this function's log group only.
    const role =
      props.overrides?.role ??
      new Role(scope, `${id}ServiceRole`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    super(scope, id, {
      entry: path.join(ROOT, 'lambdas', 'handlers', `${props.handler}.ts`),
      handler: 'handler',
      projectRoot: ROOT,
      depsLockFilePath: path.join(ROOT, 'package-lock.json'),
      runtime: RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? DEFAULT_MEMORY_MB,
      timeout: props.timeout ?? Duration.seconds(10),
      // X-Ray only where the stage asks for it (lib/stages.ts `tracing`: what it costs).
      tracing: stage?.config.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
      logGroup,
      role,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.handler,
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? stage?.config.logLevel ?? 'INFO',
        ...props.environment,
      },
      bundling: bundlingFor(props.environment?.[ENV.provider], props.defines, props.handler),
      ...props.overrides,
    });
    // An explicit deny beats any allow: even a broad grant added later cannot reach another stage's secrets.
    if (stage) {
      this.addToRolePolicy(
        new PolicyStatement({
          effect: Effect.DENY,
          actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          notResources: [stage.secretsArn(this)],
        }),
      );
    }
    acknowledgeHandler(this, role, logGroup, stage?.config.tracing ?? false);
  }
}

/** Why this project stays on RUNTIME while Lambda offers a newer Node.js (docs/security.md, "Runtime"). */
const RUNTIME_REASON = `${RUNTIME.name} is the runtime this project pins: the local stack and every test run on Node.js 20, one major from it, CI also loads every handler's bundle on it, and the bundles target it; Lambda supports it until 2027-04-30. Moving on is a deliberate change of RUNTIME and BUNDLING.target in lib/lambda-function.ts once the toolchain runs the newer major.`;

/** The findings every HandlerFunction carries, each with why it holds here; X-Ray's `*` only where tracing is on. */
function acknowledgeHandler(fn: HandlerFunction, role: IRole, logGroup: LogGroup, tracing: boolean): void {
  const onFunction = Validations.of(fn);
  onFunction.acknowledge({ id: 'AwsSolutions-L1', reason: RUNTIME_REASON });
  onFunction.acknowledge({ id: 'Serverless-LambdaLatestVersion', reason: RUNTIME_REASON });
  onFunction.acknowledge({
    id: 'NIST.800.53.R5-LambdaInsideVPC',
    reason:
      'Nothing private to reach: the functions call third-party APIs over the internet and AWS APIs with IAM. A VPC would need NAT gateways or endpoints for SQS, DynamoDB, S3, Secrets Manager, KMS and CloudWatch, billed per hour and zone, with no resource inside it to protect.',
  });
  if (tracing)
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Tracing.ACTIVE grants xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions; test/infra/least-privilege.test.ts allows Resource "*" for these X-Ray actions only.',
    });
  else
    onFunction.acknowledge({
      id: 'Serverless-LambdaTracing',
      reason:
        'This stage turns X-Ray off (lib/stages.ts `tracing`: at a few webhooks a second nearly every invocation is traced, more than the rest costs per webhook); every log line carries the trace id, and a stage that sets `tracing: true` traces every function.',
    });
  acknowledgeRolePolicies(role);
  acknowledgeLogEncryption(logGroup);
}
