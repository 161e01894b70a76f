import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { EventBridgeBus, eventBridgeCaller } from '../../lambdas/adapters/eventbridge-bus';
import { busEntry } from '../../lambdas/core/changes/bus-entry';
import { detectChange } from '../../lambdas/core/changes/detect';
import { CHANGE_SOURCE_PREFIX } from '../../lambdas/core/changes/names';
import { changeEventSchema } from '../../lambdas/core/changes/schema';
import type { StoredRecord } from '../../lambdas/core/records';
import { routePattern } from '../../lambdas/core/routes/pattern';
import { ROUTES } from '../../lambdas/routes';
import { startMoto } from '../helpers/moto';

// moto's EventBridge: PutEvents, rules with patterns ($or, exists, nested fields; not fields inside arrays of objects) and SQS targets.
let moto: Awaited<ReturnType<typeof startMoto>>;
let events: EventBridgeClient;
let sqs: SQSClient;
const queues: Record<string, string> = {};
const BUS = 'IntegrationStack-dev-changes';

async function ruleToQueue(name: string, pattern: unknown): Promise<void> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await events.send(new PutRuleCommand({ Name: name, EventBusName: BUS, EventPattern: JSON.stringify(pattern) }));
  await events.send(
    new PutTargetsCommand({ Rule: name, EventBusName: BUS, Targets: [{ Id: 'q', Arn: attrs.Attributes!.QueueArn! }] }),
  );
  queues[name] = QueueUrl!;
}

async function received(name: string): Promise<z.infer<typeof changeEventSchema>[]> {
  const res = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queues[name], MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
  );
  return (res.Messages ?? []).map((m) => JSON.parse(m.Body!));
}

/** docs/change-events.md's example rule for consumers ("Subscribe with your own rule"), as the page shows it. */
function docsExampleRule(): unknown {
  const page = readFileSync(new URL('../../docs/change-events.md', import.meta.url), 'utf8');
  const section = page.slice(page.indexOf('## Subscribe with your own rule'));
  return JSON.parse(/```json\n([\s\S]*?)```/.exec(section)![1]!);
}

beforeAll(async () => {
  moto = await startMoto();
  const common = { endpoint: moto.url, region: 'us-east-1', credentials: moto.credentials };
  events = new EventBridgeClient(common);
  sqs = new SQSClient(common);
  await events.send(new CreateEventBusCommand({ Name: BUS }));
  await ruleToQueue('all-changes', { source: [{ prefix: CHANGE_SOURCE_PREFIX }] });
  for (const route of ROUTES) await ruleToQueue(route.name, routePattern(route));
  await ruleToQueue('docs-example', docsExampleRule());
}, 60_000);
afterAll(async () => moto?.stop());

const fixture = (short: string, home: number, fetchedAt: number): StoredRecord => ({
  pk: 'football#fixture#1#2024-08-16',
  provider: 'football',
  type: 'fixture',
  key: '1#2024-08-16',
  data: {
    fixture: { id: 1, status: { short } },
    goals: { home, away: 1 },
    note: short === 'PST' ? 'x'.repeat(270_000) : '',
  },
  fetchedAt,
  writtenAt: fetchedAt,
  source: 'fixtures',
});
const issue = (labels: string[]): StoredRecord => ({
  pk: 'github#issue#o/r#1',
  provider: 'github',
  type: 'issue',
  key: 'o/r#1',
  version: 1,
  data: { title: 'Broken', labels: labels.map((name) => ({ name })) },
  writtenAt: 1,
});

describe('the change bus in AWS terms (EventBridge PutEvents, against moto)', () => {
  it('puts change events that consumers receive in the published shape, and route rules narrow what they get', async () => {
    const bus = new EventBridgeBus(
      eventBridgeCaller({ endpoint: moto.url, region: 'us-east-1', credentials: moto.credentials }),
      BUS,
    );
    const details = [
      detectChange(fixture('1H', 0, 1), fixture('2H', 1, 2))!,
      detectChange(fixture('2H', 1, 2), fixture('FT', 2, 3))!,
      // Too big for the event: the record is left out, so the route's rule lets it through for its function to decide.
      detectChange(fixture('FT', 2, 3), fixture('PST', 2, 4))!,
      detectChange(undefined, issue(['bug']))!,
      detectChange(undefined, { ...issue(['ui']), key: 'o/r#2', pk: 'github#issue#o/r#2' })!,
    ];
    const { failed } = await bus.put(details.map((d) => busEntry(d)));
    expect(failed).toEqual([]);

    const all = await received('all-changes');
    expect(all).toHaveLength(5);
    // moto writes the account id as a number; EventBridge as the 12-digit string.
    for (const e of all)
      expect(z.safeParse(changeEventSchema, { ...e, account: String(e.account) }).success).toBe(true);
    const first = all.find((e) => e.detail.eventId === details[0]!.eventId)!;
    expect(first).toMatchObject({
      source: 'integration.football',
      'detail-type': 'fixture.changed',
      detail: details[0],
    });

    const ft = await received('football-ft-to-slack');
    expect(ft.map((e) => e.detail.eventId).sort()).toEqual([details[1]!.eventId, details[2]!.eventId].sort());
    // `added` on objects is the function's to decide: the rule passes every issue change.
    const issues = await received('github-bug-to-trello');
    expect(issues.map((e) => e.detail.eventId).sort()).toEqual([details[3]!.eventId, details[4]!.eventId].sort());
    // The docs' example rule for a consumer: the fixture with its record at FT (not the one whose record was left out).
    expect((await received('docs-example')).map((e) => e.detail.eventId)).toEqual([details[1]!.eventId]);
  });
});
