import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GITHUB_HEADERS, github, sampleGithubIssue } from '../../../lambdas/providers/github';
import type { GithubSimulator } from '../../../local/simulators/github';
import { VirtualTimeline } from '../../../local/simulators/timeline';
import type { LocalStack } from '../../../local/stack';
import type { LogCapture } from '../../helpers/log-capture';
import { testStack, until } from '../../helpers/local-stack';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
const HOOK = 'Codertocat/Hello-World/292430182';

let stack: LocalStack;
let logs: LogCapture;
let close: () => Promise<void>;
let sim: GithubSimulator;
const time = new VirtualTimeline(T0);

const recover = () => stack.recovery!.scheduler.invoke({ provider: 'github', recovery: 'deliveries' });
const rows = (guid: string) => (sim.hooks.get(HOOK) ?? []).map((s) => s.row).filter((r) => r.guid === guid);
const issue = (number: number) => ({
  body: JSON.stringify(sampleGithubIssue({ number, updatedAt: new Date(time.now()).toISOString() })),
  headers: { ...GITHUB_HEADERS },
});
const record = (number: number) => stack.records.get('github', 'issue', `Codertocat/Hello-World#${number}`);

beforeAll(async () => {
  // GitHub's client goes at 1 request a second (its hourly limit); a test's three days of hours need not wait for it.
  const fast = { ...github, rateLimit: { requestsPerSecond: 200, burst: 50 } };
  ({ stack, logs, close } = await testStack({ providers: [fast], recovery: { autoStart: false, timeline: time } }));
  sim = stack.recovery!.simulators.github!;
  expect((await recover()).eventsRecovered).toBe(0);
});
afterAll(async () => close());

describe('GitHub recovery: hook deliveries, redelivered', () => {
  it('redelivers a failed delivery once its hour has settled; it arrives signed through the ingest, same guid', async () => {
    await time.run(T0 + 5 * MINUTE);
    const ok = sim.emit(HOOK, issue(1));
    await time.run(T0 + 10 * MINUTE);
    const failed = sim.emit(HOOK, issue(2), 'failed');
    await until(() => record(1), 'the delivered issue');
    expect(await record(2)).toBeUndefined();

    await time.run(T0 + HOUR + 20 * MINUTE);
    expect(await recover()).toMatchObject({ eventsRecovered: 1, gapsOpen: 0 });
    await time.run(time.now());
    const redone = await until(() => record(2), 'the redelivered issue');
    expect(redone.eventId).toBe(failed);
    expect(rows(failed).map((r) => [r.status, r.redelivery])).toEqual([
      ['failed to connect', false],
      ['OK', true],
    ]);
    expect(rows(ok)).toHaveLength(1);
    const asked = sim.log('/repos/Codertocat/Hello-World/hooks/292430182/deliveries/');
    expect(asked.map((r) => [r.method, r.path.split('/').at(-1)])).toEqual([['POST', 'attempts']]);
    expect(asked[0]!.headers).toMatchObject({ 'x-github-api-version': '2022-11-28' });
    expect(logs.metric('EventsRecovered', { provider: 'github' })).toBe(1);
  });

  it('skips a guid that has any OK delivery, and asks once per guid however many failed rows it has', async () => {
    const base = time.now();
    const healed = sim.emit(HOOK, issue(3), 'failed');
    sim.emit(HOOK, { ...issue(3), headers: { ...GITHUB_HEADERS, 'x-github-delivery': healed } }); // someone redelivered it
    const twice = sim.emit(HOOK, issue(4), 'failed');
    sim.emit(HOOK, { ...issue(4), headers: { ...GITHUB_HEADERS, 'x-github-delivery': twice } }, 'failed');
    await time.run(base + 2 * HOUR);
    expect((await recover()).eventsRecovered).toBe(1);
    await time.run(time.now());
    await until(() => record(4), 'issue 4 redelivered');
    expect(rows(healed).filter((r) => r.redelivery)).toHaveLength(0);
    expect(rows(twice).filter((r) => r.redelivery)).toHaveLength(1);
    // The next run finds both guids delivered.
    await time.run(time.now() + HOUR);
    expect((await recover()).eventsRecovered).toBe(0);
  });

  it('redelivers again while the endpoint still fails (a new failed row), and never past 3 days', async () => {
    const target = sim.sender.target!;
    const url = target.url;
    target.url = url.replace(/:\d+\//, ':9/');
    const down = sim.emit(HOOK, issue(5));
    await time.run(time.now() + 2 * HOUR);
    expect((await recover()).eventsRecovered).toBe(1);
    await time.run(time.now());
    expect(rows(down).map((r) => r.status)).toEqual(['failed to connect', 'failed to connect']);
    await time.run(time.now() + 2 * HOUR);
    expect((await recover()).eventsRecovered).toBe(1);
    await time.run(time.now());
    expect(rows(down)).toHaveLength(3);
    // Three days on, GitHub no longer lists it: nothing is asked, and a request for it would be refused.
    await time.run(time.now() + 3 * DAY);
    expect((await recover()).eventsRecovered).toBe(0);
    target.url = url;
    const old = rows(down)[0]!;
    const res = await fetch(`${sim.url}/repos/${HOOK.replace(/\/(\d+)$/, '/hooks/$1')}/deliveries/${old.id}/attempts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await stack.secrets.get('github', 'token')}` },
    });
    expect(res.status).toBe(422);
    expect(await record(5)).toBeUndefined();
  });
});
