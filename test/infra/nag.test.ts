import { App, Validations, type PolicyValidationPluginReport } from 'aws-cdk-lib';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { addSecurityChecks } from '../../lib/security-checks';
import { addStageStack } from '../../lib/stage-app';
import { STAGE_NAMES, type StageName } from '../../lib/stages';
import { synthStage, type StageSynth } from '../helpers/stage-stacks';

/**
 * Every cdk-nag finding this project acknowledges, and the kind of construct it may sit on. An acknowledgement
 * anywhere else fails the suite: add it here, next to its resource, with its reason.
 */
const ACKNOWLEDGEABLE: { id: RegExp; on: RegExp; why: string; ahead?: true }[] = [
  {
    id: /^AwsSolutions-APIG4$/,
    on: /\/ANY--webhooks--[a-z0-9-]+$/,
    why: 'webhook routes are public; the ingest function verifies the provider signature',
  },
  {
    id: /^AwsSolutions-SMG4$/,
    on: /\/Secret-[a-z0-9-]+-[A-Za-z0-9]+$/,
    why: 'third-party secrets cannot be rotated by a Lambda; rotated by hand with overlapping values',
  },
  {
    id: /^AwsSolutions-S1$/,
    on: /\/Blobs\/Bucket$/,
    why: 'blob bucket: CloudTrail data events instead of server access logs',
  },
  { id: /^AwsSolutions-L1$/, on: /\/[A-Za-z]+$/, why: 'the pinned Node.js runtime of every HandlerFunction' },
  {
    id: /^AwsSolutions-IAM5\[Resource::\*\]$/,
    on: /ServiceRole$/,
    why: 'X-Ray actions have no resource-level permissions',
  },
  {
    id: /^AwsSolutions-IAM5\[Resource::<BlobsBucket[0-9A-F]{8}\.Arn>\/(payloads|archive)\/[a-z0-9-]+\/\*\]$/,
    on: /ServiceRole$/,
    why: "one provider's key prefix",
  },
  // Ahead of use, for schedules: their role gets `<fn>:*` from CDK's grantInvoke (versions and aliases of that one
  // function), and a schedule's own DLQ is a dead-letter queue nag cannot see as one (no queue redrives to it).
  {
    id: /^AwsSolutions-IAM5\[Resource::<[A-Za-z0-9]+\.Arn>:\*\]$/,
    on: /Role[^/]*$/,
    why: "one function's versions and aliases (grantInvoke)",
    ahead: true,
  },
  {
    id: /^AwsSolutions-SQS3$/,
    on: /Dlq$/,
    why: 'the dead-letter queue of a schedule or another non-SQS source',
    ahead: true,
  },
];

const reports = {} as Record<StageName, PolicyValidationPluginReport>;
const stages = {} as Record<StageName, StageSynth>;
beforeAll(() => {
  for (const name of STAGE_NAMES) {
    let validate: MockInstance<AwsSolutionsChecks['validate']> | undefined;
    // The checks bin/app.ts runs, watched as CDK's synth calls them.
    stages[name] = synthStage(name, {
      extend: (stack) => void (validate = vi.spyOn(addSecurityChecks(stack.node.root as App), 'validate')),
    });
    expect(validate!).toHaveBeenCalledOnce();
    reports[name] = validate!.mock.results[0]!.value as PolicyValidationPluginReport;
  }
});

/** Every acknowledgement in the app: where, which finding, why. */
function acknowledgements(s: StageSynth): { path: string; id: string; reason: string }[] {
  return s.app.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          path: c.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

describe.each(STAGE_NAMES)('cdk-nag AwsSolutionsChecks on the %s stage', (name) => {
  it('runs in the synth and finds nothing unacknowledged: zero errors, zero warnings', () => {
    expect(
      reports[name].violations.map(
        (v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
      ),
    ).toEqual([]);
    expect(reports[name].success).toBe(true);
  });

  it('acknowledges only listed findings, each on its own resource with a reason of substance, never on a stack or the app', () => {
    const acks = acknowledgements(stages[name]);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      const where = `${ack.id} at ${ack.path}`;
      expect(ack.path.split('/').length, where).toBeGreaterThan(1);
      expect(
        ACKNOWLEDGEABLE.some((a) => a.id.test(ack.id) && a.on.test(ack.path)),
        where,
      ).toBe(true);
      expect(ack.reason.length, where).toBeGreaterThanOrEqual(80);
    }
    // Each listed kind is in use: a stale entry is a finding fixed, so drop it from the list.
    for (const a of ACKNOWLEDGEABLE.filter((x) => !x.ahead))
      expect(
        acks.some((ack) => a.id.test(ack.id)),
        a.why,
      ).toBe(true);
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
      .validateScope(app)
      .violations.map((v) => `${v.severity} ${v.ruleName}`);
    expect(found).toEqual(
      expect.arrayContaining(['error AwsSolutions-SQS3', 'error AwsSolutions-SQS4', 'warning AwsSolutions-DDB3']),
    );
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/);
  });
});
