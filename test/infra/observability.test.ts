import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALARM_RULES, subjectSlug } from '../../lambdas/core/alarm-rules';
import { providers } from '../../lambdas/providers';
import { IntegrationStack, type IntegrationStackProps } from '../../lib/integration-stack';
import { stageConfig } from '../../lib/stages';
import { synthStage } from '../helpers/stage-stacks';

type Resource = { Type: string; Properties: Record<string, any> };
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function synth(
  props: Partial<IntegrationStackProps> = {},
  context: Record<string, unknown> = {},
  extend?: (s: IntegrationStack) => void,
): Template {
  // No bundling here: the synth test bundles for real.
  const app = new App({
    builtinCloudFormationValidation: false,
    context: { 'aws:cdk:bundling-stacks': [], ...context },
  });
  // The prod stage: default thresholds (dev relaxes some); lib/stages.ts namespaces each stage's metrics.
  const stack = new IntegrationStack(app, 'Test', { providers, stage: stageConfig('prod'), ...props });
  extend?.(stack);
  return Template.fromStack(stack);
}

const alarmsOf = (t: Template): Resource[] => Object.values(t.findResources('AWS::CloudWatch::Alarm')) as Resource[];
const alarm = (t: Template, name: string): Record<string, any> => {
  const found = alarmsOf(t).find((a) => a.Properties.AlarmName === name);
  if (!found)
    throw new Error(
      `no alarm ${name}; have ${alarmsOf(t)
        .map((a) => a.Properties.AlarmName)
        .join(', ')}`,
    );
  return found.Properties;
};
const query = (p: Record<string, any>, id: string) =>
  (p.Metrics as { Id: string; [k: string]: any }[]).find((m) => m.Id === id)!;
const dims = (m: { Dimensions: { Name: string; Value: unknown }[] }) =>
  Object.fromEntries(m.Dimensions.map((d) => [d.Name, d.Value]));
/** The one metric of a single-metric alarm, whether rendered flat or as a labelled metric query. */
function single(p: Record<string, any>): {
  MetricName: string;
  Namespace: string;
  Dimensions: { Name: string; Value: unknown }[];
  Period: number;
  Stat: string;
} {
  if (p.Metrics) {
    const q = (p.Metrics as { MetricStat?: any }[]).find((m) => m.MetricStat)!.MetricStat;
    return { ...q.Metric, Period: q.Period, Stat: q.Stat };
  }
  return {
    MetricName: p.MetricName,
    Namespace: p.Namespace,
    Dimensions: p.Dimensions,
    Period: p.Period,
    Stat: p.Statistic ?? p.ExtendedStatistic,
  };
}

let template: Template;
// Two more stacks, each serving several tests (every synth costs a second or two).
let custom: Template | undefined;
const customized = () =>
  (custom ??= synth({
    alarms: {
      'provider-429-rate': { anomalyStdDevs: 3 },
      'signature-rejections': { threshold: 50, periodSeconds: 600 },
      'provider-5xx-rate': { minDenominator: 100 },
      'circuit-open': { enabled: false },
    },
    oncall: { emails: ['oncall@example.com'], urls: ['https://events.example.com/sns'] },
  }));
let fromContext: Template | undefined;
const contextual = () =>
  (fromContext ??= synth(
    {},
    { oncallEmails: 'a@example.com, b@example.com', runbookBaseUrl: 'https://git.example.com/stack/blob/main/' },
  ));

beforeAll(() => {
  template = synth({}, {}, (s) => {
    s.observability.provider('github').operation('GET /repos/{owner}/{repo}/issues');
    // What the writes and sync integrations add: one line each.
    s.observability.provider('github').queue('command-dlq-not-empty', new Queue(s, 'CommandDlq')).sync();
  });
});

describe('alarms', () => {
  it('pages on a provider 5xx rate above 1% in 5 of 5 one-minute periods, only with at least 20 requests', () => {
    const p = alarm(template, 'Test-provider-5xx-rate-github');
    expect(p).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
      TreatMissingData: 'notBreaching',
    });
    const expr = (p.Metrics as { Expression?: string; ReturnData: boolean }[]).find((m) => m.ReturnData)!;
    expect(expr.Expression).toBe('IF(den >= 20, 100 * FILL(num, 0) / den, 0)');
    for (const [id, name] of [
      ['num', 'Http5xx'],
      ['den', 'Requests'],
    ] as const) {
      const m = query(p, id).MetricStat;
      expect(m).toMatchObject({
        Period: 60,
        Stat: 'Sum',
        Metric: { MetricName: name, Namespace: 'IntegrationStack/prod' },
      });
      expect(dims(m.Metric)).toEqual({ provider: 'github', service: 'integration-stack' });
    }
  });

  it('pages on a 429 rate above 5% for 10 minutes by default, or above an anomaly band when props ask for one', () => {
    const p = alarm(template, 'Test-provider-429-rate-github');
    expect(p).toMatchObject({
      Threshold: 5,
      EvaluationPeriods: 10,
      DatapointsToAlarm: 10,
      TreatMissingData: 'notBreaching',
    });
    expect(query(p, 'num').MetricStat.Metric.MetricName).toBe('Http429');
    const anomaly = alarm(customized(), 'Test-provider-429-rate-github');
    expect(anomaly).toMatchObject({
      ComparisonOperator: 'GreaterThanUpperThreshold',
      EvaluationPeriods: 10,
      DatapointsToAlarm: 10,
      ThresholdMetricId: expect.any(String),
    });
    expect(anomaly.Threshold).toBeUndefined();
    const band = (anomaly.Metrics as { Id: string; Expression?: string }[]).find(
      (m) => m.Id === anomaly.ThresholdMetricId,
    )!;
    expect(band.Expression).toMatch(/^ANOMALY_DETECTION_BAND\(\w+, 3\)$/);
  });

  it.each([
    ['Test-provider-timeouts-github', 'Timeouts', 'Sum', 60, 5, 1, 1],
    ['Test-circuit-open-github', 'CircuitOpen', 'Sum', 300, 0, 1, 4],
    ['Test-signature-rejections-github', 'SignatureRejected', 'Sum', 300, 10, 1, 1],
    ['Test-event-lag-p95-github', 'EventLagMs', 'p95', 60, 60_000, 5, 5],
    ['Test-gaps-open-github', 'OldestGapAgeMs', 'Maximum', 900, 3_600_000, 1, 4],
    ['Test-gaps-failing-github', 'GapsFailing', 'Maximum', 900, 0, 1, 4],
  ])(
    '%s watches %s (%s) per provider: period %i s, threshold %i, %i of %i',
    (name, metric, stat, period, threshold, datapoints, evaluations) => {
      const p = alarm(template, name);
      expect(p).toMatchObject({
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanThreshold',
        DatapointsToAlarm: datapoints,
        EvaluationPeriods: evaluations,
        TreatMissingData: 'notBreaching',
      });
      const m = single(p);
      expect(m).toMatchObject({ Period: period, Stat: stat, MetricName: metric, Namespace: 'IntegrationStack/prod' });
      expect(dims(m)).toEqual({ provider: 'github', service: 'integration-stack' });
    },
  );

  it('watches p95 latency per operation a provider facade is given', () => {
    const p = alarm(template, 'Test-operation-latency-p95-github-GET_repos_owner_repo_issues');
    expect(p).toMatchObject({ Threshold: 3000, EvaluationPeriods: 5, DatapointsToAlarm: 5 });
    const m = single(p);
    expect(m).toMatchObject({ Period: 60, Stat: 'p95', MetricName: 'LatencyMs' });
    expect(dims(m)).toEqual({
      provider: 'github',
      operation: 'GET /repos/{owner}/{repo}/issues',
      service: 'integration-stack',
    });
  });

  it('pages when any DLQ holds a message and when the webhook queue falls 5 minutes behind', () => {
    for (const [name, queueId] of [
      ['Test-webhook-dlq-not-empty-github', 'WebhookgithubDlq'],
      ['Test-command-dlq-not-empty-github', 'CommandDlq'],
    ]) {
      const p = alarm(template, name!);
      expect(p).toMatchObject({
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
      });
      expect(single(p)).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Namespace: 'AWS/SQS',
        Stat: 'Maximum',
        Period: 60,
      });
      expect(JSON.stringify(single(p).Dimensions)).toContain(queueId);
    }
    const age = alarm(template, 'Test-webhook-queue-age-github');
    expect(age).toMatchObject({ Threshold: 300, EvaluationPeriods: 5, DatapointsToAlarm: 5 });
    expect(single(age)).toMatchObject({ MetricName: 'ApproximateAgeOfOldestMessage', Stat: 'Maximum', Period: 60 });
    expect(JSON.stringify(single(age).Dimensions)).toContain('WebhookgithubQueue');
  });

  it('pages on the API 5xx rate above 1%, and on Lambda errors and throttles of every function', () => {
    const api = alarm(template, 'Test-api-5xx-rate-api');
    expect(api).toMatchObject({ Threshold: 1, EvaluationPeriods: 5, DatapointsToAlarm: 5 });
    expect(query(api, 'num').MetricStat).toMatchObject({
      Period: 60,
      Stat: 'Sum',
      Metric: { Namespace: 'AWS/ApiGateway', MetricName: '5xx' },
    });
    expect(query(api, 'den').MetricStat.Metric.MetricName).toBe('Count');
    for (const role of ['ingest', 'processor']) {
      const errors = alarm(template, `Test-lambda-errors-github-${role}`);
      expect(errors).toMatchObject({ Threshold: 0, EvaluationPeriods: 5, DatapointsToAlarm: 3 });
      expect(single(errors)).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors', Stat: 'Sum', Period: 60 });
      const throttles = alarm(template, `Test-lambda-throttles-github-${role}`);
      expect(throttles).toMatchObject({ Threshold: 0, EvaluationPeriods: 5, DatapointsToAlarm: 3 });
      expect(single(throttles)).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Throttles', Stat: 'Sum' });
    }
  });

  it('treats missing data as not breaching and sends ALARM and OK to the on-call topic, every one', () => {
    const topic = Object.keys(template.findResources('AWS::SNS::Topic'))[0]!;
    const alarms = alarmsOf(template);
    expect(alarms.length).toBeGreaterThanOrEqual(15);
    for (const a of alarms) {
      expect(a.Properties.TreatMissingData).toBe('notBreaching');
      expect(a.Properties.AlarmActions).toEqual([{ Ref: topic }]);
      expect(a.Properties.OKActions).toEqual([{ Ref: topic }]);
    }
  });

  it('takes thresholds and evaluation from stack props, and can switch a rule off', () => {
    const t = customized();
    const sig = alarm(t, 'Test-signature-rejections-github');
    expect(sig.Threshold).toBe(50);
    expect(single(sig).Period).toBe(600);
    expect((alarm(t, 'Test-provider-5xx-rate-github').Metrics as { Expression?: string }[])[0]!.Expression).toContain(
      'den >= 100',
    );
    expect(alarmsOf(t).some((a) => a.Properties.AlarmName === 'Test-circuit-open-github')).toBe(false);
  });
});

describe('p95 latency alarms of a real stage', () => {
  // The prod stage as `cdk synth -c stage=prod` makes it: nothing registered by hand.
  let prod: Template;
  beforeAll(() => {
    prod = synthStage('prod').template;
  });
  const latencyAlarms = () =>
    alarmsOf(prod)
      .filter((a) => String(a.Properties.AlarmName).includes('-operation-latency-p95-'))
      .map((a) => dims(single(a.Properties)));

  it.each([
    ['football', ['GET /fixtures']],
    [
      'trello',
      [
        'POST /1/cards',
        'GET /1/cards/{id}',
        'PUT /1/cards/{id}',
        'GET /1/lists/{id}',
        'GET /1/lists/{id}/cards',
        'GET /1/boards/{id}/cards/all',
      ],
    ],
    ['stripe', ['POST /v1/customers', 'POST /v1/customers/{id}', 'GET /v1/customers/search']],
  ])(
    'has one per operation %s polls and writes call, on the operation dimension the client emits',
    (provider, operations) => {
      const ops = latencyAlarms()
        .filter((d) => d.provider === provider)
        .map((d) => d.operation);
      expect(ops.sort()).toEqual([...operations].sort());
      const p = alarm(prod, `IntegrationStack-prod-operation-latency-p95-${provider}-${subjectSlug(operations[0])}`);
      expect(p).toMatchObject({
        Threshold: 3000,
        EvaluationPeriods: 5,
        DatapointsToAlarm: 5,
        TreatMissingData: 'notBreaching',
      });
      expect(single(p)).toMatchObject({
        Period: 60,
        Stat: 'p95',
        MetricName: 'LatencyMs',
        Namespace: 'IntegrationStack/prod',
      });
    },
  );
});

describe('on-call topic', () => {
  it('is encrypted with a rotated key CloudWatch may use, TLS only, with subscriptions from props', () => {
    const t = customized();
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    t.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'https',
      Endpoint: 'https://events.example.com/sns',
    });
  });

  it('reads subscriptions from the oncallEmails context when props give none', () => {
    const t = contextual();
    t.resourceCountIs('AWS::SNS::Subscription', 2);
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'b@example.com' });
  });
});

describe('dashboard', () => {
  it('breaks each provider down by operation, status class and reason, with queues, DLQ, lag and gaps', () => {
    const body = JSON.stringify(
      Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]!.Properties.DashboardBody,
    );
    for (const part of [
      'SEARCH(\'{IntegrationStack/prod,service,provider,operation,status_class} MetricName=\\\\\\"Requests\\\\\\" provider=\\\\\\"github\\\\\\"',
      'Error rates (%)',
      'p95 latency by operation',
      'ApproximateAgeOfOldestMessage',
      'Webhook DLQ depth',
      'Event lag (ms)',
      'Gaps open',
      "rejected: ${PROP('Dim.reason')}",
      'Schema drift (records with unknown fields or values)',
      'operation,field} MetricName=\\\\\\"SchemaDrift\\\\\\"',
    ]) {
      expect(body).toContain(part);
    }
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'Test-integrations' });
  });
});

describe('runbooks', () => {
  it('exist for every alarm in the synthesized template, linked from its description', () => {
    const ids = new Set<string>();
    for (const a of alarmsOf(template)) {
      const link = /Runbook: (docs\/runbooks\/([a-z0-9-]+)\.md)/.exec(a.Properties.AlarmDescription as string);
      expect(link, a.Properties.AlarmName as string).not.toBeNull();
      expect(existsSync(join(ROOT, link![1]!)), link![1]).toBe(true);
      ids.add(link![2]!);
    }
    expect(ids.size).toBeGreaterThanOrEqual(13);
  });

  it('exist for every rule, and each says what it means, how to confirm, how to mitigate and which command repairs', () => {
    for (const rule of ALARM_RULES) {
      const text = readFileSync(join(ROOT, 'docs', 'runbooks', `${rule.id}.md`), 'utf8');
      for (const heading of ['## What it means', '## Confirm', '## Mitigate', '## Repair'])
        expect(text, `${rule.id}: ${heading}`).toContain(heading);
      expect(text, rule.id).toMatch(/npm run (ops|sync)|aws /);
    }
  });

  it('puts the runbook base URL from context in front of each link', () => {
    expect(alarm(contextual(), 'Test-signature-rejections-github').AlarmDescription).toContain(
      'Runbook: https://git.example.com/stack/blob/main/docs/runbooks/signature-rejections.md',
    );
    const alarms = alarmsOf(contextual());
    expect(alarms.length).toBeGreaterThan(10);
    for (const a of alarms)
      expect(a.Properties.AlarmDescription, a.Properties.AlarmName as string).toMatch(
        /Runbook: https:\/\/git\.example\.com\/stack\/blob\/main\/docs\/runbooks\/[a-z0-9-]+\.md$/,
      );
  });
});

describe('webhook route and command queue alarms', () => {
  it('counts each webhook route from the access log: requests, 4xx and 429, by route key', () => {
    const filters = Object.values(template.findResources('AWS::Logs::MetricFilter')) as Resource[];
    const byName = Object.fromEntries(
      filters.map((f) => [f.Properties.MetricTransformations[0].MetricName as string, f.Properties]),
    );
    expect(Object.keys(byName).sort()).toEqual(['ApiRoute429', 'ApiRoute4xx', 'ApiRouteRequests']);
    const logGroup = Object.keys(template.findResources('AWS::Logs::LogGroup')).find((id) =>
      id.startsWith('ApiAccessLogs'),
    );
    expect(byName.ApiRouteRequests!.FilterPattern).toBe('{ $.routeKey = "ANY /webhooks/*" }');
    expect(byName.ApiRoute4xx!.FilterPattern).toBe('{ ($.routeKey = "ANY /webhooks/*") && ($.status = "4*") }');
    expect(byName.ApiRoute429!.FilterPattern).toBe('{ ($.routeKey = "ANY /webhooks/*") && ($.status = "429") }');
    for (const f of Object.values(byName)) {
      expect(f.LogGroupName).toEqual({ Ref: logGroup });
      expect(f.MetricTransformations[0]).toMatchObject({
        MetricNamespace: 'IntegrationStack/prod',
        MetricValue: '1',
        Unit: 'Count',
        Dimensions: [{ Key: 'route', Value: '$.routeKey' }],
      });
    }
  });

  it.each([
    ['Test-api-route-4xx-rate-github', 'ApiRoute4xx', 20, 10, 5, 5],
    ['Test-api-route-throttled-github', 'ApiRoute429', 1, 1, 1, 5],
  ])('%s: %s per request of the route above the threshold', (name, metric, min, threshold, datapoints, periods) => {
    const p = alarm(template, name);
    expect(p).toMatchObject({
      Threshold: threshold,
      DatapointsToAlarm: datapoints,
      EvaluationPeriods: periods,
      TreatMissingData: 'notBreaching',
    });
    const expr = (p.Metrics as { Expression?: string; ReturnData: boolean }[]).find((m) => m.ReturnData)!;
    expect(expr.Expression).toBe(`IF(den >= ${min}, 100 * FILL(num, 0) / den, 0)`);
    for (const [id, name] of [
      ['num', metric],
      ['den', 'ApiRouteRequests'],
    ] as const) {
      const m = query(p, id).MetricStat;
      expect(m).toMatchObject({
        Period: 60,
        Stat: 'Sum',
        Metric: { MetricName: name, Namespace: 'IntegrationStack/prod' },
      });
      expect(dims(m.Metric)).toEqual({ route: 'ANY /webhooks/github' });
    }
  });

  it('watches the backlog and age of each command queue', () => {
    const prod = synthStage('prod').template;
    for (const provider of ['stripe', 'trello']) {
      const backlog = alarm(prod, `IntegrationStack-prod-command-queue-backlog-${provider}`);
      expect(backlog).toMatchObject({ Threshold: 100, EvaluationPeriods: 10, DatapointsToAlarm: 10 });
      expect(single(backlog)).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Stat: 'Maximum' });
      const age = alarm(prod, `IntegrationStack-prod-command-queue-age-${provider}`);
      expect(age).toMatchObject({ Threshold: 900, EvaluationPeriods: 5, DatapointsToAlarm: 5 });
      expect(single(age)).toMatchObject({ MetricName: 'ApproximateAgeOfOldestMessage', Stat: 'Maximum', Period: 60 });
      for (const a of [backlog, age])
        expect(JSON.stringify(single(a).Dimensions)).toMatch(new RegExp(`Commands${provider}Queue`));
    }
  });
});
