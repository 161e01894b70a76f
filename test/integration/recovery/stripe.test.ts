import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as syncMain } from '../../../bin/sync/main';
import { runCli } from '../../helpers/cli';
import { stripe } from '../../../lambdas/providers/stripe';
import type { StripeEvent } from '../../../local/simulators/stripe-events';
import type { StripeSimulator } from '../../../local/simulators/stripe';
import { VirtualTimeline } from '../../../local/simulators/timeline';
import type { LocalStack } from '../../../local/stack';
import type { LogCapture } from '../../helpers/log-capture';
import { testStack, until } from '../../helpers/local-stack';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);

let stack: LocalStack;
let logs: LogCapture;
let close: () => Promise<void>;
let sim: StripeSimulator;
const time = new VirtualTimeline(T0);

const recover = () => stack.recovery!.scheduler.invoke({ provider: 'stripe', recovery: 'events' });
const at = (ms: number) => time.run(ms);
const processed = (eventId: string) => logs.logs('event processed').filter((l) => l.event_id === eventId);
const skipped = (eventId: string) =>
  logs.logs('event already processed, skipped').filter((l) => l.event_id === eventId);
const customer = (id: string, name: string) => ({ id, object: 'customer', name, email: null });

function event(id: string, createdMs: number, name: string): StripeEvent {
  return { ...sim.events.create('customer.updated', customer(id, name)), created: Math.floor(createdMs / 1000) };
}

/** Makes the endpoint unreachable for the sender (our ingest down), or reachable again. */
function endpointDown(down: boolean): void {
  const target = sim.events.sender.target!;
  target.url = down ? target.url.replace(/:\d+\//, ':9/') : `${stack.url}/webhooks/stripe`;
}

beforeAll(async () => {
  ({ stack, logs, close } = await testStack({ providers: [stripe], recovery: { autoStart: false, timeline: time } }));
  sim = stack.recovery!.simulators.stripe!;
  // The first run only sets the checkpoint: nothing was missed yet.
  expect((await recover()).eventsRecovered).toBe(0);
});
afterAll(async () => close());

describe('Stripe recovery: GET /v1/events into the webhook queue', () => {
  it('queues an event Stripe failed to deliver once its hour has settled, and the processor applies it', async () => {
    const missed = sim.events.emit(event('cus_missed', T0 + 5 * MINUTE, 'missed'), 'failed');
    await at(T0 + 2 * HOUR + 15 * MINUTE);
    const summary = await recover();
    expect(summary).toMatchObject({ eventsRecovered: 1, gapsOpen: 0 });
    const record = await until(() => stack.records.get('stripe', 'customer', 'cus_missed'), 'recovered record');
    expect(record).toMatchObject({ eventId: missed.id, data: { name: 'missed' } });
    await until(() => logs.metric('EventsRecovered', { provider: 'stripe' }) === 1 || undefined, 'EventsRecovered');
    // What Stripe lists and our request: the hour's bounds, undelivered only, 100 a page.
    const listed = sim.log('/v1/events').at(-1)!;
    expect(listed.query).toMatchObject({ delivery_success: 'false', limit: '100' });
  });

  it("applies an event once when recovery comes first and Stripe's retry delivers it later", async () => {
    endpointDown(true);
    const late = sim.events.emit(event('cus_late', time.now() + 5 * MINUTE, 'late'));
    await at(T0 + 4 * HOUR);
    expect(sim.events.delivery.get(late.id)).toBe('pending');
    expect((await recover()).eventsRecovered).toBe(1);
    await until(() => processed(late.id).length === 1 || undefined, 'recovered event processed');
    endpointDown(false);
    await at(T0 + 8 * HOUR);
    expect(sim.events.delivery.get(late.id)).toBe('succeeded');
    await until(() => skipped(late.id).length === 1 || undefined, 'the delivery deduplicated');
    expect(processed(late.id)).toHaveLength(1);
    expect(processed(late.id)[0]).toMatchObject({ written: 1, recovered: 'events' });
  });

  it('applies an event once when the webhook came first and recovery lists it again (its answer was lost)', async () => {
    const delivered = sim.events.emit(event('cus_first', time.now() + MINUTE, 'first'));
    await at(time.now() + 2 * MINUTE);
    await until(() => processed(delivered.id).length === 1 || undefined, 'delivered event processed');
    // Our 200 never reached Stripe: it shows the event as failed, and recovery queues it again.
    sim.events.delivery.set(delivered.id, 'failed');
    const before = logs.metric('EventsRecovered', { provider: 'stripe' });
    await at(time.now() + 3 * HOUR);
    expect((await recover()).eventsRecovered).toBe(1);
    await until(() => skipped(delivered.id).length === 1 || undefined, 'the recovered copy deduplicated');
    expect(processed(delivered.id)).toHaveLength(1);
    expect(logs.metric('EventsRecovered', { provider: 'stripe' })).toBe(before);
  });

  it('recovers on demand from the CLI over an explicit span, against the running stack, without waiting to settle', async () => {
    const running = {
      url: stack.url,
      dynamoEndpoint: stack.dynamo.endpoint,
      adminUrl: stack.adminUrl,
      pid: process.pid,
      simulators: stack.recovery!.baseUrls,
    };
    writeFileSync(join(stack.dataDir, 'stack.json'), JSON.stringify(running));
    // The CLI runs on the wall clock: an event created now, failed at our endpoint.
    const now = Date.now();
    const missed = sim.events.emit(
      { ...sim.events.create('customer.updated', customer('cus_cli', 'cli')), created: Math.floor(now / 1000) },
      'failed',
    );
    const from = new Date(now - 3_600_000).toISOString();
    const to = new Date(now + 60_000).toISOString();
    const argv = [
      '--provider',
      'stripe',
      '--recover',
      '--from',
      from,
      '--to',
      to,
      '--json',
      '--data-dir',
      stack.dataDir,
    ];
    const run = await runCli(syncMain, argv, {});
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ events_recovered: 1, gaps_open: 0 });
    const record = await until(() => stack.records.get('stripe', 'customer', 'cus_cli'), 'the record');
    expect(record.eventId).toBe(missed.id);
    expect((await runCli(syncMain, ['--provider', 'football', '--recover'], {})).code).toBe(2);
  });
});
