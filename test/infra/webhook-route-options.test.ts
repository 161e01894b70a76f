import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/core/env-contract';
import { providers } from '../../lambdas/providers';
import { IntegrationStack } from '../../lib/integration-stack';
import { addSecurityChecks } from '../../lib/security-checks';
import { parseStage, stageConfig } from '../../lib/stages';
import { type CfnResourceJson, render } from '../helpers/stage-stacks';

/** A stage that asks for every webhook route option: GitHub's published list and raised limits, Stripe's by hand. */
const edge = parseStage({
  name: 'edge',
  removal: 'destroy',
  logRetentionDays: 7,
  throttle: { rateLimit: 100, burstLimit: 200 },
  webhooks: {
    github: { sourceIps: 'published', throttle: { rateLimit: 500, burstLimit: 1000 } },
    stripe: { sourceIps: 'manual' },
  },
});

function synth(stage = edge) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const pack = addSecurityChecks(app);
  const stack = new IntegrationStack(app, `IntegrationStack-${stage.name}`, { providers, stage });
  const template = Template.fromStack(stack);
  const resources = (template.toJSON() as { Resources: Record<string, CfnResourceJson & { DependsOn?: string[] }> })
    .Resources;
  const nag = pack.flatMap((p) => p.validateScope(app).violations);
  return { stack, template, resources, nag };
}

let s: ReturnType<typeof synth>;
beforeAll(() => {
  s = synth();
});

const ofType = (type: string) => Object.entries(s.resources).filter(([, r]) => r.Type === type);
const ingestEnv = (provider: string) =>
  ofType('AWS::Lambda::Function')
    .map(([, r]) => r.Properties.Environment?.Variables as Record<string, unknown>)
    .find((v) => v?.[ENV.provider] === provider && v?.POWERTOOLS_SERVICE_NAME === 'webhook-ingest')!;

describe('webhook route options of a stage (#16 point 10)', () => {
  it("raises GitHub's route throttling above the stage's, in the stage's RouteSettings, after the route exists", () => {
    const [[, stage]] = ofType('AWS::ApiGatewayV2::Stage') as [[string, CfnResourceJson & { DependsOn?: string[] }]];
    expect(stage.Properties.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: 100,
      ThrottlingBurstLimit: 200,
    });
    expect(stage.Properties.RouteSettings).toEqual({
      'ANY /webhooks/github': { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 },
    });
    const route = ofType('AWS::ApiGatewayV2::Route').find(([, r]) => r.Properties.RouteKey === 'ANY /webhooks/github')!;
    expect(stage.DependsOn).toContain(route[0]);
  });

  it('gives each listed provider an allow-list secret its ingest reads, and no one else', () => {
    const secrets = ofType('AWS::SecretsManager::Secret').map(([, r]) => r.Properties.Name as string);
    expect(secrets.filter((n) => n.endsWith('/webhookSourceIps')).sort()).toEqual([
      'edge/github/webhookSourceIps',
      'edge/stripe/webhookSourceIps',
    ]);
    expect(ingestEnv('github')[ENV.sourceIpsSecret]).toBe('webhookSourceIps');
    expect(ingestEnv('stripe')[ENV.sourceIpsSecret]).toBe('webhookSourceIps');
    expect(ingestEnv('shopify')[ENV.sourceIpsSecret]).toBeUndefined();
  });

  it('refreshes the published list hourly with a function that may only write that one secret', () => {
    const refreshers = ofType('AWS::Lambda::Function').filter(
      ([, r]) => r.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === 'source-ips-refresh',
    );
    expect(refreshers.map(([, r]) => r.Properties.Environment.Variables[ENV.provider])).toEqual(['github']);
    const [id, fn] = refreshers[0]!;
    const secretId = render(fn.Properties.Environment.Variables[ENV.sourceIpsSecretId]);
    const role = render(fn.Properties.Role)
      .replace(/\.Arn>$/, '>')
      .replace(/^</, '')
      .replace(/>$/, '');
    const statements = ofType('AWS::IAM::Policy')
      .filter(([, p]) => (p.Properties.Roles as unknown[]).some((r) => render(r) === `<${role}>`))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Record<string, unknown>[])
      .filter((st) => st.Effect === 'Allow');
    const actions = statements.flatMap((st) => [st.Action].flat().map((a) => `${a} ${render(st.Resource)}`));
    expect(actions.filter((a) => a.startsWith('secretsmanager:'))).toEqual([
      `secretsmanager:PutSecretValue ${secretId}`,
    ]);
    expect(actions.every((a) => /^(secretsmanager:PutSecretValue|logs:(CreateLogStream|PutLogEvents)) /.test(a))).toBe(
      true,
    );
    const schedules = ofType('AWS::Scheduler::Schedule').filter(([, r]) =>
      render(r.Properties.Target.Arn).includes(id),
    );
    expect(schedules.map(([, r]) => r.Properties.ScheduleExpression)).toEqual(['rate(1 hour)']);
  });

  it('passes cdk-nag with every option on', () => {
    expect(s.nag.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.resourceLogicalId)}`)).toEqual([]);
  });

  it('is off by default: no stage lists a provider, so no secret, no refresh, no route settings', () => {
    const dev = synth(stageConfig('dev'));
    const services = Object.values(dev.resources).map(
      (r) => r.Properties?.Environment?.Variables?.POWERTOOLS_SERVICE_NAME,
    );
    expect(services).not.toContain('source-ips-refresh');
    const names = Object.values(dev.resources)
      .filter((r) => r.Type === 'AWS::SecretsManager::Secret')
      .map((r) => r.Properties.Name as string);
    expect(names.some((n) => n.endsWith('/webhookSourceIps'))).toBe(false);
    const stage = Object.values(dev.resources).find((r) => r.Type === 'AWS::ApiGatewayV2::Stage')!;
    expect(stage.Properties.RouteSettings).toBeUndefined();
  });

  it('refuses a route limit below the stage default', () => {
    expect(() =>
      parseStage({ ...edge, webhooks: { github: { throttle: { rateLimit: 10, burstLimit: 20 } } } }),
    ).toThrow(/raises the stage's/);
  });
});
