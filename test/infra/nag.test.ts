import { App, Validations, type PolicyValidationPluginReport } from 'aws-cdk-lib';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { NagPack } from 'cdk-nag';
import { beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import type { IConstruct } from 'constructs';
import { HandlerFunction } from '../../lib/lambda-function';
import { QueueFunction } from '../../lib/queue-function';
import { addSecurityChecks } from '../../lib/security-checks';
import { addStageStack } from '../../lib/stage-app';
import { STAGE_NAMES, type StageName } from '../../lib/stages';
import { synthStage, type StageSynth, type SynthOptions } from '../helpers/stage-stacks';

/** Where an acknowledgement may sit: a path pattern, or a kind of construct (whatever another integration names it). */
type Place = RegExp | ((c: IConstruct) => boolean);
const FN: Place = (c) => c instanceof HandlerFunction;
const QUEUE_FN: Place = (c) => c instanceof QueueFunction;
const isFunctionRole = (c: IConstruct) =>
  c.node.scope?.node.children.some((f) => f instanceof HandlerFunction && f.role === c) ?? false;
const ROLE: Place = isFunctionRole;
const LOGS = /\/([A-Za-z]+Logs|ApiAccessLogs|HandlerLogs)$/;
const SECRET = /\/Secret-[a-z0-9-]+-[A-Za-z0-9]+$/;
const BLOBS = /\/Blobs\/Bucket$/;
const ACCESS_LOGS = /\/Blobs\/AccessLogs$/;
const TABLE = /\/[A-Za-z]+Table$/;

/**
 * Every cdk-nag finding this project acknowledges (AwsSolutions, Serverless and NIST 800-53 R5 packs), and the kind
 * of construct it may sit on. An acknowledgement anywhere else fails the suite: add it here, next to its resource,
 * with its reason. `stages` lists where it must be in use (default every stage): a stage option that fixes the
 * finding removes its acknowledgement there.
 */
const ACKNOWLEDGEABLE: { id: RegExp; on: Place; why: string; stages?: readonly string[]; ahead?: true }[] = [
  {
    id: /^AwsSolutions-APIG4$/,
    on: /\/ANY--webhooks--[a-z0-9-]+$/,
    why: 'webhook routes are public; the ingest function verifies the provider signature',
  },
  {
    id: /^(AwsSolutions-SMG4|NIST\.800\.53\.R5-SecretsManagerRotationEnabled)$/,
    on: SECRET,
    why: 'third-party secrets cannot be rotated by a Lambda; rotated by hand with overlapping values',
  },
  {
    id: /^NIST\.800\.53\.R5-SecretsManagerUsingKMSKey$/,
    on: SECRET,
    why: 'the account key where the stage turns secretsKmsKey off',
    stages: ['dev', 'staging'],
  },
  {
    id: /^(AwsSolutions-S1|NIST\.800\.53\.R5-S3BucketLoggingEnabled)$/,
    on: BLOBS,
    why: 'blob bucket: no access logs where the stage turns blobAccessLogs off',
    stages: ['dev', 'staging'],
  },
  {
    id: /^NIST\.800\.53\.R5-S3BucketVersioningEnabled$/,
    on: BLOBS,
    why: 'blob bucket: no versions where the stage turns blobVersioning off',
    stages: ['dev', 'staging'],
  },
  {
    id: /^NIST\.800\.53\.R5-(S3BucketReplicationEnabled|S3DefaultEncryptionKMS)$/,
    on: BLOBS,
    why: 'blob bucket: transient copies (no replica), SSE-S3 by cost',
  },
  {
    id: /^(AwsSolutions-S1|NIST\.800\.53\.R5-(S3BucketLoggingEnabled|S3BucketVersioningEnabled|S3BucketReplicationEnabled|S3DefaultEncryptionKMS))$/,
    on: ACCESS_LOGS,
    why: "the blob bucket's access-log target: written once by S3 logging, SSE-S3 only",
    stages: ['prod'],
  },
  {
    id: /^NIST\.800\.53\.R5-DynamoDBInBackupPlan$/,
    on: TABLE,
    why: 'point-in-time recovery only, where the stage sets no backupRetentionDays',
    stages: ['dev', 'staging'],
  },
  {
    id: /^AwsSolutions-IAM4\[Policy::arn:<AWS::Partition>:iam::aws:policy\/service-role\/AWSBackupServiceRolePolicyForBackup\]$/,
    on: /\/Backups\/Plan\/Tables$/,
    why: "AWS Backup's service role policy on the backup selection's role",
    stages: ['prod'],
  },
  {
    id: /^(AwsSolutions-L1|Serverless-LambdaLatestVersion)$/,
    on: FN,
    why: 'the pinned Node.js runtime of every HandlerFunction',
  },
  { id: /^NIST\.800\.53\.R5-LambdaInsideVPC$/, on: FN, why: 'nothing private to reach from a VPC' },
  {
    id: /^Serverless-LambdaTracing$/,
    on: FN,
    why: 'X-Ray off where the stage says so (its cost)',
  },
  {
    id: /^(Serverless-LambdaDLQ|NIST\.800\.53\.R5-LambdaDLQ|NIST\.800\.53\.R5-LambdaConcurrency)$/,
    on: FN,
    why: 'synchronous API and SQS invocations (no function DLQ applies), the poller with an on-failure destination',
  },
  {
    id: /^Serverless-LambdaEventSourceMappingDestination$/,
    on: QUEUE_FN,
    why: 'SQS event source mappings have no on-failure destination; the queue redrives',
  },
  {
    id: /^NIST\.800\.53\.R5-CloudWatchLogGroupEncrypted$/,
    on: LOGS,
    why: 'log groups hold no payloads or secrets; CloudWatch Logs encrypts them',
  },
  {
    id: /^NIST\.800\.53\.R5-IAMNoInlinePolicy$/,
    on: (c) => isFunctionRole(c) || /\/SchedulerRole$/.test(c.node.path),
    why: "CDK's per-role grant policies, pinned by the least-privilege test",
  },
  {
    id: /^AwsSolutions-IAM5\[Resource::\*\]$/,
    on: ROLE,
    why: 'X-Ray actions have no resource-level permissions, only where the stage traces',
    stages: [],
  },
  {
    id: /^AwsSolutions-IAM5\[Resource::<BlobsBucket[0-9A-F]{8}\.Arn>\/(payloads|archive)\/[a-z0-9-]+\/\*\]$/,
    on: ROLE,
    why: "one provider's key prefix",
  },
  {
    id: /^AwsSolutions-IAM5\[Resource::<[A-Za-z0-9]+\.Arn>:\*\]$/,
    on: /Role[^/]*$/,
    why: "one function's versions and aliases (grantInvoke)",
  },
  {
    id: /^AwsSolutions-SQS3$/,
    on: /Dlq$/,
    why: 'the dead-letter queue of a schedule or another non-SQS source',
  },
  {
    id: /^Serverless-SQSRedrivePolicy$/,
    on: /Dlq$/,
    why: 'a dead-letter queue is the end of its redrive chain',
  },
];

type Reports = PolicyValidationPluginReport[];
const reports = {} as Record<string, Reports>;
const stages = {} as Record<string, StageSynth>;

/** Synthesizes a stage as bin/app.ts does, watching CDK's synth call each of the three packs once. */
function synthWatched(label: string, name: StageName, opts: Omit<SynthOptions, 'extend'> = {}): void {
  let validates: MockInstance<NagPack['validate']>[] = [];
  stages[label] = synthStage(name, {
    ...opts,
    extend: (stack) => {
      validates = addSecurityChecks(stack.node.root as App).map((pack) => vi.spyOn(pack, 'validate'));
    },
  });
  expect(validates).toHaveLength(3);
  for (const v of validates) expect(v).toHaveBeenCalledOnce();
  reports[label] = validates.map((v) => v.mock.results[0]!.value as PolicyValidationPluginReport);
}

// Every stage; staging again with on-call subscriptions (SNS redrive) and with X-Ray on (its IAM acknowledgement).
const VARIANTS = {
  'staging with on-call': { name: 'staging', context: { oncallEmails: 'oncall@example.com' } },
  'staging with tracing': { name: 'staging', stage: { tracing: true } },
} as const satisfies Record<string, { name: StageName } & Omit<SynthOptions, 'extend'>>;
const LABELS = [...STAGE_NAMES, ...Object.keys(VARIANTS)];

beforeAll(() => {
  for (const name of STAGE_NAMES) synthWatched(name, name);
  for (const [label, { name, ...opts }] of Object.entries(VARIANTS)) synthWatched(label, name, opts);
});

const placed = (on: Place, c: IConstruct): boolean => (on instanceof RegExp ? on.test(c.node.path) : on(c));

/** Every acknowledgement in the app: where, which finding, why. */
function acknowledgements(s: StageSynth): { path: string; construct: IConstruct; id: string; reason: string }[] {
  return s.app.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          path: c.node.path,
          construct: c,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

describe.each(LABELS)('cdk-nag AwsSolutions, Serverless and NIST 800-53 R5 checks on %s', (label) => {
  it('run in the synth and find nothing unacknowledged: zero errors, zero warnings', () => {
    expect(
      reports[label]!.flatMap((r) =>
        r.violations.map(
          (v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((x) => x.constructPath).join(', ')}`,
        ),
      ),
    ).toEqual([]);
    for (const r of reports[label]!) expect(r.success).toBe(true);
  });

  it('acknowledge only listed findings, each on its own resource with a reason of substance, never on a stack or the app', () => {
    const acks = acknowledgements(stages[label]!);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      const where = `${ack.id} at ${ack.path}`;
      expect(ack.path.split('/').length, where).toBeGreaterThan(1);
      expect(
        ACKNOWLEDGEABLE.some((a) => a.id.test(ack.id) && placed(a.on, ack.construct)),
        where,
      ).toBe(true);
      expect(ack.reason.length, where).toBeGreaterThanOrEqual(80);
    }
  });
});

describe.each(STAGE_NAMES)('acknowledgements that hold in the %s stage', (name) => {
  it('uses every listed acknowledgement meant for this stage, and none of those its options fix', () => {
    const acks = acknowledgements(stages[name]!);
    for (const a of ACKNOWLEDGEABLE.filter((x) => !x.ahead)) {
      const inUse = acks.some((ack) => a.id.test(ack.id) && placed(a.on, ack.construct));
      expect(inUse, `${a.why} (${a.id})`).toBe(a.stages ? a.stages.includes(name) : true);
    }
  });
});

describe('the X-Ray acknowledgement', () => {
  const xray = (label: string) =>
    acknowledgements(stages[label]!).filter((a) => a.id === 'AwsSolutions-IAM5[Resource::*]');

  it('sits on no role while the stage traces nothing, so a future `*` grant fails the synth', () => {
    for (const name of STAGE_NAMES) expect(xray(name), name).toEqual([]);
  });

  it("sits on every function's role, and only there, where the stage turns tracing on", () => {
    const s = stages['staging with tracing']!;
    const functions = s.stack.node.findAll().filter((c) => c instanceof HandlerFunction) as HandlerFunction[];
    expect(
      xray('staging with tracing')
        .map((a) => a.path)
        .sort(),
    ).toEqual(functions.map((f) => f.role!.node.path).sort());
  });
});

describe('a construct added with a finding', () => {
  it('fails the synth on an error, naming the rule, and reports warnings too', () => {
    const app = new App({
      builtinCloudFormationValidation: false,
      context: { 'aws:cdk:bundling-stacks': [], stage: 'dev' },
    });
    const stack = addStageStack(app, {});
    new Queue(stack, 'Plain', { encryption: QueueEncryption.UNENCRYPTED });
    new Table(stack, 'NoRecovery', { partitionKey: { name: 'pk', type: AttributeType.STRING } });
    const found = addSecurityChecks(app)
      .flatMap((pack) => pack.validateScope(app).violations)
      .map((v) => `${v.severity} ${v.ruleName}`);
    expect(found).toEqual(
      expect.arrayContaining(['error AwsSolutions-SQS3', 'error AwsSolutions-SQS4', 'warning AwsSolutions-DDB3']),
    );
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/);
  });
});
