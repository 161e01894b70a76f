import { z } from 'zod';
import { ALARM_RULES, type AlarmId, type AlarmSettings } from '../lambdas/core/alarm-rules';

/**
 * Every deployable stage, in one typed file: `npx cdk deploy -c stage=<name>` deploys an independent
 * copy named after it. Data only (zod, no CDK), so the ops CLI and the smoke check read it too.
 */

/** The `service` tag and the first part of every stack name. */
export const SERVICE = 'integration-stack';
const STACK_PREFIX = 'IntegrationStack';

/** CloudWatch Logs accepts only these retention periods (days). */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const ALARM_IDS = ALARM_RULES.map((r) => r.id) as [AlarmId, ...AlarmId[]];

/** Powertools' log levels a stage may set. */
const logLevel = z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']);
export type LogLevel = z.infer<typeof logLevel>;

const throttle = z.strictObject({ rateLimit: z.number().positive(), burstLimit: z.number().int().positive() });

/** One provider's webhook route settings on a stage. */
const webhookRoute = z.strictObject({
  /**
   * A source-IP allow list, checked before any signature work (403 outside it, counted as WebhooksSourceRefused):
   * `published`, the provider's published ranges (GitHub, Stripe), refreshed every hour by a scheduled function;
   * `manual`, whatever the operator stores in its `webhookSourceIps` secret. Off unless set.
   */
  sourceIps: z.enum(['published', 'manual']).optional(),
  /** The route's own throttling, above the stage's (`throttle`), so junk elsewhere cannot starve this provider. */
  throttle: throttle.optional(),
});

const alarmOverride = z.strictObject({
  threshold: z.number().optional(),
  periodSeconds: z.number().int().positive().optional(),
  evaluationPeriods: z.number().int().positive().optional(),
  datapointsToAlarm: z.number().int().positive().optional(),
  anomalyStdDevs: z.number().positive().optional(),
  minDenominator: z.number().int().nonnegative().optional(),
  enabled: z.boolean().optional(),
});

export const stageSchema = z
  .strictObject({
    /** Lower-case: the secret prefix, a tag value and part of every name. */
    name: z.string().regex(/^[a-z][a-z0-9-]{1,15}$/, 'lower-case letters, digits and dashes, 2-16 long'),
    /**
     * Pin the stage to one account and region; otherwise CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION (or none: an
     * environment-agnostic synth).
     */
    account: z
      .string()
      .regex(/^\d{12}$/, 'a 12-digit AWS account id')
      .optional(),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as eu-west-1')
      .optional(),
    /**
     * `retain` keeps tables, the bucket, secrets and the topic key when the stack or a resource goes; `destroy` deletes
     * them.
     */
    removal: z.enum(['retain', 'destroy']),
    /** Empty the bucket on delete (a custom resource does it); only with `removal: destroy`. */
    autoDeleteObjects: z.boolean().default(false),
    /** Of every function's and the API's log group. */
    logRetentionDays: z
      .number()
      .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), `one of ${LOG_RETENTION_DAYS.join(', ')}`),
    /** API Gateway stage throttling (requests per second, burst). */
    throttle,
    /** Per provider: its webhook route's allow list and throttling (docs/security.md). */
    webhooks: z.record(z.string(), webhookRoute).default({}),
    /**
     * X-Ray active tracing on every function. Off by default: Lambda records the first invocation each
     * second and 5 % of the rest ($5 per million traces), so at a few webhooks a second nearly every one
     * is traced, more than the rest of the stack costs per webhook (`npm run bench -- --scenario cost`);
     * the traces hold only Lambda's own segments, and every log line already carries the trace id.
     */
    tracing: z.boolean().default(false),
    /**
     * Every function's log level (Powertools). INFO writes one line per webhook at ingest and one per event
     * at the processor (about 0.6 KB, $0.34 per million webhooks); WARN keeps problems only, and the
     * per-event Logs Insights queries in docs/runbooks then find nothing (metrics still count everything).
     */
    logLevel: logLevel.default('INFO'),
    /**
     * The webhook ingest's log level. WARN by default: it logs what it refuses and what fails, while what it accepts
     * is counted (`WebhooksReceived`, the route metrics) and logged by the processor under the same trace id; its
     * INFO line per webhook was a tenth of the cost of a busy webhook's logs. INFO adds the `webhook accepted` line.
     */
    ingestLogLevel: logLevel.default('WARN'),
    /** Days archived webhooks are kept for replay. */
    archiveRetentionDays: z.number().int().positive().default(7),
    /**
     * Resources the base stack may hold before providers go into nested stacks (default 430, lib/provider-stacks.ts).
     * The stages below keep today's providers in one stack (474 resources, under CloudFormation's 500), so nothing
     * deployed moves; the next provider goes into a nested stack (docs/deploy.md).
     */
    stackBaseBudget: z.number().int().positive().max(485).optional(),
    /** Days the change bus's archive keeps change events for replay (docs/change-events.md). */
    changeArchiveRetentionDays: z.number().int().positive().default(7),
    /**
     * A customer managed KMS key of the stage's own encrypts its secrets (instead of the account's
     * `aws/secretsmanager`, which every principal of the account may use): reading a secret then also needs
     * `kms:Decrypt` on this key, which only the functions that read secrets get. $1 a month and a KMS call per
     * secret read (functions cache values 5 minutes).
     */
    secretsKmsKey: z.boolean().default(false),
    /** S3 server access logs of the blob bucket, into a log bucket of the stage's own kept `logRetentionDays`. */
    blobAccessLogs: z.boolean().default(false),
    /** Versioning on the blob bucket: an overwritten or expired object stays recoverable for 7 more days. */
    blobVersioning: z.boolean().default(false),
    /**
     * Daily AWS Backup copies of every table, kept this many days in a vault whose recovery points no one may
     * delete early; unset: point-in-time recovery (35 days, on every table) only.
     */
    backupRetentionDays: z.number().int().min(1).optional(),
    /** The api-sunset-soon alarm fires when an endpoint in use has a sunset date this close (days). */
    sunsetWarningDays: z.number().int().positive().default(30),
    /** Threshold and evaluation overrides per alarm rule (defaults in lambdas/core/alarm-rules.ts). */
    alarms: z.partialRecord(z.enum(ALARM_IDS), alarmOverride).default({}),
    /** On-call subscriptions to the stage's alarm topic; `-c oncallEmails=...` adds more at deploy time. */
    oncall: z
      .strictObject({
        emails: z.array(z.email()).default([]),
        urls: z.array(z.url({ protocol: /^https$/ })).default([]),
      })
      .default({ emails: [], urls: [] }),
    /** Extra tags on every resource (`stage` and `service` are always set). */
    tags: z.record(z.string(), z.string()).default({}),
  })
  .superRefine((s, ctx) => {
    if (s.autoDeleteObjects && s.removal !== 'destroy')
      ctx.addIssue({
        code: 'custom',
        path: ['autoDeleteObjects'],
        message: 'autoDeleteObjects needs removal: destroy',
      });
    if (s.name === 'prod' && s.removal !== 'retain')
      ctx.addIssue({ code: 'custom', path: ['removal'], message: 'prod must retain its data' });
    for (const [provider, route] of Object.entries(s.webhooks)) {
      if (route.throttle && route.throttle.rateLimit < s.throttle.rateLimit)
        ctx.addIssue({
          code: 'custom',
          path: ['webhooks', provider, 'throttle'],
          message: "a route's own rate limit raises the stage's, never lowers it",
        });
    }
    if (s.name === 'prod' && s.autoDeleteObjects)
      ctx.addIssue({ code: 'custom', path: ['autoDeleteObjects'], message: 'prod never empties its bucket' });
  });

export type StageInput = z.input<typeof stageSchema>;
export type StageConfig = z.output<typeof stageSchema> & { alarms: AlarmSettings };

/** The stages `-c stage=` accepts. Edit here: one place for every stage-dependent setting. */
const STAGE_INPUTS = {
  dev: {
    name: 'dev',
    stackBaseBudget: 480,
    removal: 'destroy',
    autoDeleteObjects: true,
    logRetentionDays: 7,
    throttle: { rateLimit: 20, burstLimit: 40 },
    archiveRetentionDays: 3,
    changeArchiveRetentionDays: 3,
    // Dev sees forged test traffic on purpose; page only on a flood.
    alarms: { 'signature-rejections': { threshold: 50 } },
  },
  staging: {
    name: 'staging',
    stackBaseBudget: 480,
    removal: 'retain',
    logRetentionDays: 14,
    throttle: { rateLimit: 50, burstLimit: 100 },
  },
  prod: {
    name: 'prod',
    stackBaseBudget: 480,
    removal: 'retain',
    logRetentionDays: 90,
    throttle: { rateLimit: 100, burstLimit: 200 },
    archiveRetentionDays: 14,
    // Routes' commands can be replayed from a month of changes (a bad route fixed, a target down for days).
    changeArchiveRetentionDays: 30,
    // Prod gets two months' notice of a sunset: time for a release train.
    sunsetWarningDays: 60,
    // Prod holds the real credentials and data: its own key, access logs, versions and backups (docs/security.md).
    secretsKmsKey: true,
    blobAccessLogs: true,
    blobVersioning: true,
    backupRetentionDays: 90,
  },
} as const satisfies Record<string, StageInput>;

export type StageName = keyof typeof STAGE_INPUTS;
export const STAGE_NAMES = Object.keys(STAGE_INPUTS) as StageName[];
export const DEFAULT_STAGE: StageName = 'dev';

/**
 * A stage's validated settings; throws a message naming every bad field.
 *
 * @example
 * parseStage({ name: 'qa', removal: 'destroy', logRetentionDays: 7, throttle: { rateLimit: 10, burstLimit: 20 } });
 */
export function parseStage(input: StageInput): StageConfig {
  const result = stageSchema.safeParse(input);
  if (!result.success)
    throw new Error(`stage ${String((input as { name?: unknown }).name)}: ${z.prettifyError(result.error)}`);
  return result.data as StageConfig;
}

/**
 * A stage's settings as written above, before defaults: the base for a variant (`{ ...stageInput('staging'), tracing:
 * true }`).
 *
 * @example
 * parseStage({ ...stageInput('staging'), tracing: true });
 */
export function stageInput(name: StageName): StageInput {
  return STAGE_INPUTS[name];
}

/**
 * One of the stages above, by name (what `-c stage=` gives).
 *
 * @example
 * stageConfig('prod').removal // 'retain'
 */
export function stageConfig(name: string = DEFAULT_STAGE): StageConfig {
  if (!Object.hasOwn(STAGE_INPUTS, name))
    throw new Error(`unknown stage "${name}"; one of ${STAGE_NAMES.join(', ')} (lib/stages.ts)`);
  return parseStage(STAGE_INPUTS[name as StageName]);
}

/** `IntegrationStack-<stage>`: the CloudFormation stack of a stage. */
export const stackName = (stage: string): string => `${STACK_PREFIX}-${stage}`;

/** The CloudWatch namespace a stage's handlers emit to, so stages sharing an account never mix metrics. */
export const metricsNamespace = (stage: string): string => `${STACK_PREFIX}/${stage}`;

/** Secrets Manager names of a stage start with `<stage>/`: `<stage>/<provider>/<name>`. */
export const secretPrefix = (stage: string): string => stage;

/**
 * Where a stage deploys: the stage file's account and region, else the standard CDK variables; undefined
 * (environment-agnostic, no credentials needed) when neither says.
 */
export function stageEnv(
  stage: StageConfig,
  env: Record<string, string | undefined> = process.env,
): { account?: string; region?: string } | undefined {
  const account = stage.account ?? (env.CDK_DEFAULT_ACCOUNT || undefined);
  const region = stage.region ?? (env.CDK_DEFAULT_REGION || undefined);
  return account || region ? { account, region } : undefined;
}
