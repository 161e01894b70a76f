import { stageConfig } from '../../lib/stages';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { getProvider, providers } from '../../lambdas/providers';
import { ROUTES } from '../../lambdas/routes';
import { clientSecretNames, targetSecretNames } from '../../lib/auth-secrets';
import { HandlerFunction } from '../../lib/lambda-function';
import { STAGE_NAMES, type StageName } from '../../lib/stages';
import { idempotencyPrefix } from '../../lambdas/core/idempotency-prefix';
import { recordKey } from '../../lambdas/core/records';
import { recoveryStateName } from '../../lambdas/core/provider';
import { pollKey } from '../../lambdas/core/sync/state';
import { RECORDS_BY_PROVIDER, TABLES, type TableName, type TableSpec } from '../../lambdas/core/tables';
import { entityKey } from '../../lambdas/core/writes/external-ids';
import { commandKey } from '../../lambdas/core/writes/outcomes';
import {
  functionAccess,
  leadingKeyPatterns,
  leadingKeysAllow,
  managedPolicies,
  target,
  wildcardFindings,
  type Allowance,
  type FunctionAccess,
} from '../helpers/iam-audit';
import { list, ofType, render, synthStage, type StageSynth } from '../helpers/stage-stacks';

/**
 * Every wildcard an identity policy of this stack may grant, and why. Anything else with a `*` in an action
 * or a resource fails the suite, whichever construct adds it.
 */
const WILDCARD_ALLOWANCES: readonly Allowance[] = [
  {
    actions: /^xray:(PutTraceSegments|PutTelemetryRecords)$/,
    resource: /^\*$/,
    reason:
      'X-Ray tracing (Tracing.ACTIVE on every HandlerFunction): these two actions support no resource-level permissions',
  },
  {
    actions: /^s3:(GetObject|PutObject)$/,
    resource: /^<BlobsBucket[0-9A-F]{8}\.Arn>\/(payloads|archive)\/[a-z0-9-]+\/\*$/,
    reason:
      "one provider's key prefix in the blob bucket: object keys are made per delivery, so a grant names the prefix",
  },
  {
    actions: /^lambda:InvokeFunction$/,
    resource: /^<[A-Za-z0-9]+\.Arn>:\*$/,
    reason:
      "the versions and aliases of one named function, as CDK's grantInvoke writes it (a schedule invoking a poller)",
  },
];

/** AWS managed policies a role may carry, and why; our own functions carry none. */
const MANAGED_POLICY_ALLOWANCES: Record<string, string> = {
  'service-role/AWSBackupServiceRolePolicyForBackup':
    "the role AWS Backup assumes to back the tables up where the stage keeps backups: AWS's own policy for that service, on a role no function uses",
  'service-role/AWSLambdaBasicExecutionRole':
    "CDK's own singleton custom resource providers (the dev bucket's auto-delete function) come with it; it grants CloudWatch Logs writes only",
};

const SEND = ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'];
const CONSUME = [
  'sqs:ReceiveMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:GetQueueUrl',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
];
const READ_SECRET = ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'];
/** Powertools idempotency: claim (put), complete (update), release on failure (delete), read on a collision. */
const IDEMPOTENCY = ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];

/**
 * Partition keys of one provider's items in each shared table, made by the code that writes them. A table added to
 * lambdas/core/tables.ts must say here what its keys are, or this file does not compile.
 */
const KEYS_OF: Record<TableName, (provider: string) => string[]> = {
  idempotency: (p) => [`${idempotencyPrefix(p, 'command')}#bWQ1`],
  records: (p) => [recordKey(p, 'issue', 'octo/repo#1'), recordKey(p, 'fixture', '1035037#2024-08-16')],
  externalIds: (p) => [entityKey({ provider: p, entity: 'card', ref: 'T-1' })],
  commands: (p) => [commandKey(p, 'c-1')],
  apiNotices: (p) => [p],
  circuits: (p) => [p],
  checkpoints: (p) => [pollKey(p, 'fixtures'), pollKey(p, `${recoveryStateName('events')}@a41c0f9e2b7d`)],
  gaps: (p) => [pollKey(p, 'fixtures'), pollKey(p, `${recoveryStateName('events')}@a41c0f9e2b7d`)],
  quarantine: (p) => [pollKey(p, 'fixtures'), pollKey(p, recoveryStateName('events'))],
};

/** The `dynamodb:LeadingKeys` patterns a provider's grant on a table must carry (the table's key layout). */
const keyPatterns = (table: TableName, provider: string): string[] =>
  (TABLES[table] as TableSpec).providerKey === 'exact' ? [provider] : [`${provider}#*`];

/** The shared table a resource is, by name in lambdas/core/tables.ts. */
function tableOf(s: StageSynth, resource: string): TableName | undefined {
  const t = target(resource);
  return (Object.keys(s.stack.tables) as TableName[]).find((name) => t?.id === s.idOf(s.stack.tables[name]));
}

const stages = {} as Record<StageName, StageSynth>;
beforeAll(() => {
  for (const name of STAGE_NAMES) stages[name] = synthStage(name);
});

/** What a function's role grants beyond its own log group and X-Ray. */
function ownGrants(fn: FunctionAccess): Map<string, Set<string>> {
  return new Map([...fn.grants].filter(([resource]) => resource !== '*' && resource !== `<${fn.logGroup}.Arn>`));
}

/** What each of our function kinds may touch, per resource, and with which actions. */
function expectedAccess(s: StageSynth, fn: FunctionAccess): Map<string, string[]> | undefined {
  const st = s.stack;
  const arn = (c: IConstruct) => `<${s.idOf(c)}.Arn>`;
  // The records read API serves every provider: the records it reads and the checkpoints it reports, read only.
  if (fn.kind === 'records-read') {
    return new Map([
      [arn(st.tables.records), ['dynamodb:BatchGetItem', 'dynamodb:GetItem']],
      [`${arn(st.tables.records)}/index/${RECORDS_BY_PROVIDER}`, ['dynamodb:Query']],
      [arn(st.tables.checkpoints), ['dynamodb:GetItem']],
    ]);
  }
  // The change publisher serves every provider: the records table's stream in, its bus and the change DLQ out.
  if (fn.kind === 'change-stream') {
    return new Map([
      [
        `<${s.idOf(st.tables.records)}.StreamArn>`,
        ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
      ],
      [arn(st.changes.bus), ['events:PutEvents']],
      [arn(st.changes.dlq), SEND],
    ]);
  }
  const p = fn.provider!;
  const secret = (name: string) => `<${s.idOf(st.secrets[p]![name]!)}>`;
  const bucket = arn(st.blobs.bucket);
  const def = getProvider(p)!;
  switch (fn.kind) {
    case 'webhook-ingest':
      return new Map([
        [arn(st.webhooks[p]!.queue), SEND],
        ...[def.webhook!.secret, def.webhook!.callbackUrlSecret]
          .filter((n) => n !== undefined)
          .map((n) => [secret(n), READ_SECRET] as [string, string[]]),
        [`${bucket}/payloads/${p}/*`, ['s3:PutObject']],
      ]);
    case 'event-processor':
      return new Map([
        [arn(st.webhooks[p]!.queue), CONSUME],
        [arn(st.webhooks[p]!.dlq), SEND],
        [arn(st.tables.records), ['dynamodb:GetItem', 'dynamodb:PutItem']],
        [`${bucket}/payloads/${p}/*`, ['s3:GetObject']],
        [`${bucket}/archive/${p}/*`, ['s3:PutObject']],
      ]);
    case 'command-accept':
      return new Map([
        [arn(st.commands[p]!.queue), SEND],
        [arn(st.tables.commands), ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem']],
      ]);
    case 'command-writer':
      return new Map([
        [arn(st.commands[p]!.queue), CONSUME],
        [arn(st.commands[p]!.dlq), SEND],
        [arn(st.tables.idempotency), IDEMPOTENCY],
        [arn(st.tables.externalIds), ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem']],
        [arn(st.tables.commands), ['dynamodb:UpdateItem']],
        [arn(st.tables.apiNotices), ['dynamodb:UpdateItem']],
        [arn(st.tables.circuits), ['dynamodb:PutItem']],
        ...clientSecretNames(def).map((n) => [secret(n), READ_SECRET] as [string, string[]]),
      ]);
    // A route's function (its PROVIDER is its target's): that command queue, the command outcomes, one record read.
    case 'change-route':
      return new Map([
        [arn(st.commands[p]!.queue), SEND],
        [arn(st.tables.commands), ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem']],
        [arn(st.tables.records), ['dynamodb:GetItem']],
        [arn(st.changes.dlq), SEND],
      ]);
    case 'poller':
      return new Map([
        [arn(st.polls[p]!.dlq), SEND],
        [arn(st.tables.records), ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem']],
        [arn(st.tables.checkpoints), ['dynamodb:GetItem', 'dynamodb:UpdateItem']],
        [arn(st.tables.gaps), ['dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:UpdateItem']],
        [arn(st.tables.quarantine), ['dynamodb:UpdateItem']],
        [arn(st.tables.apiNotices), ['dynamodb:UpdateItem']],
        [arn(st.tables.circuits), ['dynamodb:PutItem']],
        ...[...clientSecretNames(def), ...targetSecretNames(def.polls ?? [])].map(
          (n) => [secret(n), READ_SECRET] as [string, string[]],
        ),
      ]);
    // Recovered events go to the webhook queue (claim-checked when big); its own state keys, no records.
    case 'recovery':
      return new Map([
        [arn(st.webhooks[p]!.queue), SEND],
        [arn(st.recoveries[p]!.dlq), SEND],
        [arn(st.tables.checkpoints), ['dynamodb:GetItem', 'dynamodb:UpdateItem']],
        [arn(st.tables.gaps), ['dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:UpdateItem']],
        [arn(st.tables.quarantine), ['dynamodb:UpdateItem']],
        [arn(st.tables.apiNotices), ['dynamodb:UpdateItem']],
        [arn(st.tables.circuits), ['dynamodb:PutItem']],
        [`${bucket}/payloads/${p}/*`, ['s3:PutObject']],
        ...[...clientSecretNames(def), ...targetSecretNames(def.recover ?? [])].map(
          (n) => [secret(n), READ_SECRET] as [string, string[]],
        ),
      ]);
    default:
      return undefined;
  }
}

/** The provider a resource belongs to, from its construct path (`.../Webhook-github/Queue/Resource`) or secret name; undefined when shared. */
function ownerOf(s: StageSynth, id: string): string | undefined {
  const r = s.resources[id]!;
  if (r.Type === 'AWS::SecretsManager::Secret') return (r.Properties.Name as string).split('/')[1];
  const segments = s.pathOf(id).split('/');
  return providers.map((p) => p.name).find((p) => segments.some((seg) => seg.endsWith(`-${p}`)));
}

/** Whose keys a function's grant on a table is held to: its provider's, but a route's function reads its source's records. */
function keyOwner(s: StageSynth, fn: FunctionAccess, table: TableName): string {
  if (table !== 'records' || fn.kind !== 'change-route') return fn.provider!;
  const name = Object.keys(s.stack.changes.routes).find((n) => s.idOf(s.stack.changes.routes[n]!.fn) === fn.id);
  return ROUTES.find((r) => r.name === name)!.on.provider;
}

/**
 * Cross-provider and out-of-place access of any function of a provider, whatever it is (pollers included):
 * queues, secrets and key prefixes of its own provider only; shared tables by their ARN (no index wildcard);
 * its own log group; nothing of another type.
 */
function isolationFindings(s: StageSynth, fn: FunctionAccess): string[] {
  const findings: string[] = [];
  for (const resource of ownGrants(fn).keys()) {
    const t = target(resource);
    const r = t && s.resources[t.id];
    if (!t || !r) {
      if (resource !== '*') findings.push(`${fn.id}: ${resource} is not a resource of this stack`);
      continue;
    }
    const where = `${fn.id} (${fn.provider}) -> ${resource}`;
    switch (r.Type) {
      case 'AWS::SQS::Queue':
      case 'AWS::SecretsManager::Secret':
        // The change DLQ is shared and holds no provider's data, only keys and reasons (lib/change-events.ts).
        if (t.id === s.idOf(s.stack.changes.dlq)) break;
        if (ownerOf(s, t.id) !== fn.provider) findings.push(`${where}: another provider's ${r.Type}`);
        break;
      case 'AWS::S3::Bucket':
        if (!new RegExp(`^/[a-z]+/${fn.provider}/\\*$`).test(t.rest))
          findings.push(`${where}: outside the provider's key prefixes`);
        break;
      case 'AWS::DynamoDB::Table': {
        if (t.rest !== '') findings.push(`${where}: more than the table itself`);
        const table = tableOf(s, resource);
        const expected = table && JSON.stringify(keyPatterns(table, keyOwner(s, fn, table)));
        for (const condition of fn.conditions.get(resource) ?? [])
          if (JSON.stringify(leadingKeyPatterns(condition)) !== expected)
            findings.push(`${where}: not held to the provider's keys (dynamodb:LeadingKeys)`);
        break;
      }
      case 'AWS::Logs::LogGroup':
        findings.push(`${where}: another function's log group`);
        break;
      default:
        findings.push(`${where}: ${r.Type} is not something a provider function touches; add it here with a reason`);
    }
  }
  return findings;
}

describe.each(STAGE_NAMES)('least privilege in the %s stage', (name) => {
  const s = () => stages[name];
  const ours = () => functionAccess(s()).filter((f) => f.kind);

  it('grants no wildcard action or resource outside the allow-list, and no Allow with NotAction or NotResource', () => {
    expect(wildcardFindings(s(), WILDCARD_ALLOWANCES)).toEqual([]);
  });

  it("attaches no AWS managed policy to our functions' roles; CDK's own providers only the allowed ones", () => {
    const functionRoles = new Set(ours().map((f) => f.role));
    for (const [role, names] of managedPolicies(s())) {
      if (functionRoles.has(role)) expect(names, role).toEqual([]);
      for (const policy of names) expect(MANAGED_POLICY_ALLOWANCES, `${role}: ${policy}`).toHaveProperty([policy]);
    }
  });

  it('lets every role be assumed by one AWS service only, never by an account or anyone', () => {
    for (const [id, role] of ofType(s(), 'AWS::IAM::Role')) {
      for (const st of role.Properties.AssumeRolePolicyDocument.Statement as { Principal: Record<string, unknown> }[]) {
        expect(Object.keys(st.Principal), id).toEqual(['Service']);
        expect(render(st.Principal.Service), id).toMatch(/^[a-z-]+\.amazonaws\.com$/);
      }
    }
  });

  it('gives each provider one function of each kind it needs, each with its own role', () => {
    const count = (kind: string) => ours().filter((f) => f.kind === kind).length;
    expect(count('webhook-ingest')).toBe(providers.filter((p) => p.webhook).length);
    expect(count('event-processor')).toBe(providers.filter((p) => p.webhook).length);
    expect(count('command-accept')).toBe(providers.filter((p) => p.writes).length);
    expect(count('command-writer')).toBe(providers.filter((p) => p.writes).length);
    expect(count('recovery')).toBe(providers.filter((p) => p.recover?.length).length);
    expect(new Set(ours().map((f) => f.role)).size).toBe(ours().length);
  });

  it.each([
    'webhook-ingest',
    'event-processor',
    'command-accept',
    'command-writer',
    'poller',
    'recovery',
    'records-read',
    'change-stream',
    'change-route',
  ])('%s of each provider touches exactly its own resources, with only the actions it needs', (kind) => {
    const fns = ours().filter((f) => f.kind === kind);
    expect(fns.length).toBeGreaterThan(0);
    for (const fn of fns) {
      const expected = expectedAccess(s(), fn)!;
      const granted = ownGrants(fn);
      expect([...granted.keys()].sort(), `${fn.id} (${fn.provider})`).toEqual([...expected.keys()].sort());
      for (const [resource, actions] of granted) {
        const want = expected.get(resource)!;
        // Tables exactly: an action a function does not use is one an attacker in it could.
        if (tableOf(s(), resource)) expect([...actions].sort(), `${fn.id} -> ${resource}`).toEqual([...want].sort());
        else expect(want, `${fn.id} -> ${resource}`).toEqual(expect.arrayContaining([...actions]));
      }
    }
  });

  it("lets no function of a provider reach another provider's queues, secrets or key prefixes (any function, pollers included)", () => {
    const withProvider = ours().filter((f) => f.provider);
    expect(withProvider.length).toBeGreaterThan(0);
    expect(withProvider.flatMap((fn) => isolationFindings(s(), fn))).toEqual([]);
  });

  it("holds every table grant of a provider's function to that provider's partition keys (dynamodb:LeadingKeys)", () => {
    const fns = ours().filter((f) => f.provider);
    const tableGrants = fns.flatMap((fn) =>
      [...fn.grants.keys()].filter((r) => tableOf(s(), r)).map((resource) => ({ fn, resource })),
    );
    expect(tableGrants.length).toBeGreaterThan(fns.length);
    for (const { fn, resource } of tableGrants) {
      const table = tableOf(s(), resource)!;
      for (const condition of fn.conditions.get(resource)!)
        expect(leadingKeyPatterns(condition), `${fn.id} (${fn.provider}) -> ${table}`).toEqual(
          keyPatterns(table, keyOwner(s(), fn, table)),
        );
    }
  });

  it("lets a provider's grant match every key its own code writes, and no key of any other provider", () => {
    const names = providers.map((p) => p.name);
    for (const fn of ours().filter((f) => f.provider)) {
      for (const [resource, conditions] of fn.conditions) {
        const table = tableOf(s(), resource);
        if (!table) continue;
        const own = keyOwner(s(), fn, table);
        // Every other provider, and names that share a prefix with this one.
        const others = [...names.filter((n) => n !== own), `${own}-eu`, `${own}x`, `x${own}`];
        for (const condition of conditions) {
          const where = `${fn.id} (${own}) -> ${table}`;
          expect(leadingKeysAllow(condition, KEYS_OF[table](own)), where).toBe(true);
          for (const other of others)
            for (const key of KEYS_OF[table](other))
              expect(leadingKeysAllow(condition, [key]), `${where}: ${key}`).toBe(false);
          // A batch is refused if any one of its keys is another provider's.
          expect(leadingKeysAllow(condition, [...KEYS_OF[table](own), ...KEYS_OF[table](others[0]!)]), where).toBe(
            false,
          );
        }
      }
    }
  });

  it('lets every function write only its own log group, and trace to X-Ray', () => {
    for (const fn of ours()) {
      expect(fn.logGroup, fn.id).toBeDefined();
      expect(s().resources[fn.logGroup!]?.Type).toBe('AWS::Logs::LogGroup');
      const logs = [...fn.grants].filter(([, actions]) => [...actions].some((a) => a.startsWith('logs:')));
      expect(logs, fn.id).toEqual([[`<${fn.logGroup}.Arn>`, new Set(['logs:CreateLogStream', 'logs:PutLogEvents'])]]);
      // X-Ray only where the stage turns tracing on (lib/stages.ts); then its two actions are the only `*`.
      expect(fn.grants.get('*'), fn.id).toEqual(
        stageConfig(name).tracing ? new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']) : undefined,
      );
    }
  });

  it('lets no resource policy allow anyone anonymous; only Deny statements name every principal', () => {
    const docs: [string, { Statement: { Effect: string; Principal?: unknown }[] }][] = [
      ...['AWS::SQS::QueuePolicy', 'AWS::S3::BucketPolicy', 'AWS::SNS::TopicPolicy'].flatMap((type) =>
        ofType(s(), type).map(([id, r]) => [id, r.Properties.PolicyDocument] as [string, any]),
      ),
      ...ofType(s(), 'AWS::KMS::Key').map(([id, r]) => [id, r.Properties.KeyPolicy] as [string, any]),
    ];
    expect(docs.length).toBeGreaterThan(0);
    for (const [id, doc] of docs) {
      for (const st of doc.Statement.filter((x) => x.Effect === 'Allow')) {
        const principals = JSON.stringify(st.Principal);
        expect(principals, id).not.toMatch(/^"\*"$|"AWS":"\*"|"AWS":\["\*"\]/);
      }
    }
  });

  it('observability: only CloudWatch (and the account, as key admin) may use the on-call key; no function may publish to on-call or use the key', () => {
    const key =
      s().resources[s().idOf(s().stack.observability.topic.node.findChild('Resource') as IConstruct)]!.Properties
        .KmsMasterKeyId;
    const keyId = render(key).replace(/^<(.+)\.Arn>$/, '$1');
    const statements = s().resources[keyId]!.Properties.KeyPolicy.Statement as {
      Effect: string;
      Principal: Record<string, unknown>;
      Action: string | string[];
    }[];
    const allowed = statements
      .filter((st) => st.Effect === 'Allow')
      .map((st) => ({ who: render(st.Principal.Service ?? st.Principal.AWS), actions: list(st.Action) }));
    expect(allowed).toEqual([
      { who: expect.stringMatching(/^arn:<AWS::Partition>:iam::<AWS::AccountId>:root$/), actions: ['kms:*'] },
      { who: 'cloudwatch.amazonaws.com', actions: ['kms:Decrypt', 'kms:GenerateDataKey*'] },
    ]);
    for (const fn of ours()) {
      expect(
        [...fn.grants.values()].flatMap((a) => [...a]).filter((a) => /^(sns|kms):/.test(a)),
        fn.id,
      ).toEqual([]);
    }
  });
});

describe('the audit itself', () => {
  it('catches a wildcard grant and a cross-provider grant on any function, not only the known kinds', () => {
    // Without cdk-nag, which fails this synth on the same wildcards (test/infra/nag.test.ts).
    const s = synthStage('dev', {
      nag: false,
      extend: (stack) => {
        const poller = new HandlerFunction(stack, 'Poller', {
          handler: 'event-processor',
          environment: { PROVIDER: 'github' },
        });
        poller.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:*'], resources: ['*'] }));
        stack.secrets.stripe!.secretKey!.grantRead(poller);
        stack.tables.commands.grantReadData(poller);
      },
    });
    const findings = wildcardFindings(s, WILDCARD_ALLOWANCES);
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PollerServiceRole\w+: action dynamodb:\*$/),
        expect.stringMatching(/^PollerServiceRole\w+: (\S+,)?dynamodb:\*(,\S*)? on \*$/),
      ]),
    );
    expect(findings.filter((f) => f.includes('/index/*'))).toHaveLength(1);
    const poller = functionAccess(s).find((f) => f.id.startsWith('Poller'))!;
    expect(isolationFindings(s, poller).sort()).toEqual([
      expect.stringMatching(/CommandsTable\w+\.Arn>\/index\/\*: more than the table itself$/),
      expect.stringMatching(/CommandsTable\w+\.Arn>\/index\/\*: not held to the provider's keys/),
      expect.stringMatching(/CommandsTable\w+\.Arn>: not held to the provider's keys \(dynamodb:LeadingKeys\)$/),
      expect.stringMatching(/SecretstripesecretKey\w+>: another provider's AWS::SecretsManager::Secret$/),
    ]);
  });
});
