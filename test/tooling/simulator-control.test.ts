import { afterEach, describe, expect, it } from 'vitest';
import { RecordsSimulator, seededRecords } from '../../local/simulators';

let sim: RecordsSimulator;
afterEach(async () => sim?.close());

describe('provider simulator', () => {
  it('serves the same seeded data set every run', () => {
    expect(seededRecords(50, 7)).toEqual(seededRecords(50, 7));
    expect(seededRecords(50, 7)).not.toEqual(seededRecords(50, 8));
  });

  it('takes fault settings at runtime over POST /_faults, and shows its request log without credentials', async () => {
    sim = new RecordsSimulator({ count: 10, auth: { kind: 'bearer', token: 'tok_control_1234' } });
    const url = await sim.listen();
    const auth = { authorization: 'Bearer tok_control_1234' };
    const set = await fetch(`${url}/_faults`, {
      method: 'POST',
      body: JSON.stringify({
        rules: [{ fault: { kind: 'status', status: 503 }, times: 1 }],
        rateLimit: { limit: 100, windowMs: 1000 },
      }),
    });
    expect(set.status).toBe(200);
    expect((await fetch(`${url}/v1/items/rec_000001`, { headers: auth })).status).toBe(503);
    const ok = await fetch(`${url}/v1/items/rec_000001`, { headers: auth });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-ratelimit-remaining')).toBe('98');
    await fetch(`${url}/_faults`, { method: 'DELETE' });
    expect(((await (await fetch(`${url}/_faults`)).json()) as { rules: unknown[] }).rules).toEqual([]);
    const log = await (await fetch(`${url}/_requests`)).text();
    expect(JSON.parse(log)).toHaveLength(2);
    expect(log).not.toContain('tok_control_1234');
    expect((await fetch(`${url}/_faults`, { method: 'POST', body: 'not json' })).status).toBe(400);
  });
});
