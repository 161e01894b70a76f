import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { providers } from '../../lambdas/providers';
import { IntegrationStack } from '../../lib/integration-stack';
import { Observability } from '../../lib/observability/observability';
import { stageConfig } from '../../lib/stages';

type Resource = { Type: string; Properties: Record<string, any> };
type Widget = { type: string; properties: Record<string, any> };

/** A reference in a dashboard body, as the text `@{LogicalId}`, so the body parses as the JSON CloudWatch gets. */
const refText = (part: Record<string, any>): string =>
  `@{${part.Ref ?? part['Fn::GetAtt']?.[0] ?? JSON.stringify(part).replace(/"/g, '')}}`;

/** Each dashboard of a template by name: its body as CloudWatch reads it, and its size in bytes. */
function dashboards(t: Template): Record<string, { widgets: Widget[]; bytes: number }> {
  const out: Record<string, { widgets: Widget[]; bytes: number }> = {};
  for (const d of Object.values(t.findResources('AWS::CloudWatch::Dashboard')) as Resource[]) {
    const body = d.Properties.DashboardBody;
    const text: string =
      typeof body === 'string'
        ? body
        : body['Fn::Join'][1]
            .map((p: unknown) => (typeof p === 'string' ? p : refText(p as Record<string, any>)))
            .join('');
    out[d.Properties.DashboardName] = { widgets: JSON.parse(text).widgets, bytes: Buffer.byteLength(text) };
  }
  return out;
}

const composites = (t: Template) =>
  Object.entries(t.findResources('AWS::CloudWatch::CompositeAlarm')) as [string, Resource][];
const alarmIds = (t: Template) =>
  Object.fromEntries(
    Object.entries(t.findResources('AWS::CloudWatch::Alarm')).map(([id, a]) => [a.Properties.AlarmName, id]),
  );

let template: Template;
beforeAll(() => {
  const app = new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
  template = Template.fromStack(new IntegrationStack(app, 'Test', { providers, stage: stageConfig('prod') }));
});

describe('CloudWatch dashboard', () => {
  it('opens with one alarm status widget: one line per provider and the API alarm, firing first', () => {
    const { widgets } = dashboards(template)['Test-integrations']!;
    expect(widgets[0]!.type).toBe('text');
    expect(widgets[0]!.properties.markdown).toMatch(/^# Test: integrations\nFiring first/);
    const status = widgets[1]!;
    expect(status).toMatchObject({
      type: 'alarm',
      properties: { title: 'Providers and the API, firing first', sortBy: 'stateUpdatedTimestamp' },
    });
    const health = composites(template);
    const api = alarmIds(template)['Test-api-5xx-rate-api'];
    expect(status.properties.alarms).toEqual([...health.map(([id]) => `@{${id}}`), `@{${api}}`]);
    expect(health.map(([, c]) => c.Properties.AlarmName)).toEqual(
      expect.arrayContaining([
        'Test-provider-github',
        'Test-provider-stripe',
        'Test-provider-football',
        'Test-provider-records',
      ]),
    );
  });

  it('gives each provider a health alarm: ALARM while any of its alarms is, sending nothing of its own', () => {
    const [, github] = composites(template).find(([, c]) => c.Properties.AlarmName === 'Test-provider-github')!;
    expect(github.Properties.AlarmActions).toBeUndefined();
    const rule = JSON.stringify(github.Properties.AlarmRule);
    const ids = alarmIds(template);
    // Route functions are the changes group's (`...-changes-route-github-bug-to-trello`), whatever their names say.
    const own = Object.keys(ids).filter((name) => /-github(-|$)/.test(name) && !name.includes('-changes-'));
    expect(own).toEqual(
      expect.arrayContaining([
        'Test-signature-rejections-github',
        'Test-api-route-throttled-github',
        'Test-lambda-errors-github-ingest',
      ]),
    );
    for (const name of own) expect(rule, name).toContain(`"${ids[name]}"`);
    expect(rule).not.toContain(`"${ids['Test-signature-rejections-stripe']}"`);
    expect(rule.match(/ALARM\(/g)).toHaveLength(own.length);
  });

  it("puts each provider's section below, opening with its own alarms, firing first, then its charts", () => {
    const { widgets } = dashboards(template)['Test-integrations']!;
    const at = widgets.findIndex((w) => w.type === 'text' && w.properties.markdown === '## GitHub (`github`)');
    expect(at).toBeGreaterThan(1);
    expect(widgets[at + 1]).toMatchObject({
      type: 'alarm',
      properties: { title: 'GitHub: alarms, firing first', sortBy: 'stateUpdatedTimestamp' },
    });
    const titles = (from: number, to: number) => widgets.slice(from, to).map((w) => w.properties.title);
    const next = widgets.findIndex((w, i) => i > at && w.type === 'text');
    expect(titles(at, next)).toEqual(
      expect.arrayContaining(['Webhook route: requests, 4xx and 429 (ANY /webhooks/github)', 'Event lag (ms)']),
    );
    const stripe = widgets.findIndex((w) => w.type === 'text' && w.properties.markdown === '## Stripe (`stripe`)');
    expect(titles(stripe, widgets.length)).toContain('Command queue: backlog and age');
  });
});

describe('CloudWatch dashboards as providers grow', () => {
  // Issue #17's scale: 40 providers, each with a webhook, writes and a function, on Observability alone.
  let big: Template;
  beforeAll(() => {
    const app = new App({
      builtinCloudFormationValidation: false,
      context: { '@aws-cdk/core:stackResourceLimit': 5000 },
    });
    const stack = new Stack(app, 'Big');
    const observability = new Observability(stack, 'Observability', { namespace: 'Big' });
    for (let i = 1; i <= 40; i += 1) {
      const name = `provider${String(i).padStart(2, '0')}`;
      const queue = (id: string) => new Queue(stack, `${name}${id}`);
      observability
        .provider(name)
        .client()
        .operation('GET /items')
        .webhook({ queue: queue('Queue'), dlq: queue('Dlq'), route: `ANY /webhooks/${name}` })
        .writes({ queue: queue('Commands') })
        .queue('command-dlq-not-empty', queue('CommandDlq'));
    }
    big = Template.fromStack(stack);
  });

  it('starts another dashboard every 10 providers, each well under CloudWatch limits', () => {
    const all = dashboards(big);
    expect(Object.keys(all)).toEqual([
      'Big-integrations',
      'Big-integrations-2',
      'Big-integrations-3',
      'Big-integrations-4',
    ]);
    for (const [name, { widgets, bytes }] of Object.entries(all)) {
      const metrics = widgets.reduce((n, w) => n + (w.properties.metrics?.length ?? 0), 0);
      expect(widgets.length, name).toBeLessThan(250); // of 500
      expect(metrics, name).toBeLessThan(1250); // of 2,500
      expect(bytes, name).toBeLessThan(200_000);
    }
    const overview = all['Big-integrations']!.widgets;
    expect(overview[0]!.properties.markdown).toContain(
      '`Big-integrations-2`, `Big-integrations-3`, `Big-integrations-4`',
    );
    expect(overview[1]!.properties.alarms).toHaveLength(40);
    const second = all['Big-integrations-2']!.widgets;
    expect(second[0]!.properties.markdown).toMatch(/^# Big-integrations-2: providers, 2 of 4\n/);
    expect(second[1]!.properties.alarms).toHaveLength(10);
    expect(second.filter((w) => w.type === 'text' && w.properties.markdown.startsWith('## '))).toHaveLength(10);
  });
});
