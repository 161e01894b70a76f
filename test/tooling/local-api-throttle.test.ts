import { afterEach, describe, expect, it } from 'vitest';
import { type ApiResponse, LocalApiGateway, type LocalApiGatewayOptions } from '../../local/api-gateway';

const T0 = Date.parse('2024-05-01T10:00:00Z');
let gateway: LocalApiGateway | undefined;
afterEach(async () => gateway?.close());

/** A gateway with two webhook routes and a page, throttled as the options say, on a clock the test moves. */
async function start(throttle: LocalApiGatewayOptions['throttle']) {
  let now = T0;
  gateway = new LocalApiGateway({ throttle, now: () => now });
  for (const p of ['github', 'stripe'])
    gateway.addRoute('ANY', `/webhooks/${p}`, async () => ({ statusCode: 200, body: 'ok' }));
  gateway.addPage((req, res) => {
    if (req.url !== '/_page') return false;
    res.end('page');
    return true;
  });
  const seen: ApiResponse[] = [];
  gateway.observe((r) => seen.push(r));
  const { url } = await gateway.listen(0);
  const status = async (path: string) => {
    const res = await fetch(`${url}${path}`, { method: 'POST', body: '{}' });
    await res.arrayBuffer();
    return res.status;
  };
  return { seen, status, advance: (ms: number) => (now += ms) };
}

describe('local API gateway throttling', () => {
  it('answers 429 past a route burst, refills at the rate, keeps one bucket per route and never throttles pages', async () => {
    const { seen, status, advance } = await start({ rateLimit: 2, burstLimit: 3 });
    const github = [];
    for (let i = 0; i < 5; i += 1) github.push(await status('/webhooks/github'));
    expect(github).toEqual([200, 200, 200, 429, 429]);
    expect(await status('/webhooks/stripe')).toBe(200);
    for (let i = 0; i < 5; i += 1) expect(await status('/_page')).toBe(200);
    advance(500); // one token back at 2 per second
    expect([await status('/webhooks/github'), await status('/webhooks/github')]).toEqual([200, 429]);
    expect(seen.filter((r) => r.status === 429).map((r) => r.route)).toEqual([
      'ANY /webhooks/github',
      'ANY /webhooks/github',
      'ANY /webhooks/github',
    ]);
    expect(seen.some((r) => r.path === '/_page')).toBe(false);
  });

  it('takes per-route settings over the stage default, and tells observers no route for a 404', async () => {
    const { seen, status } = await start({
      rateLimit: 1000,
      burstLimit: 1000,
      routes: { 'ANY /webhooks/stripe': { rateLimit: 1, burstLimit: 1 } },
    });
    expect([await status('/webhooks/stripe'), await status('/webhooks/stripe')]).toEqual([200, 429]);
    expect([await status('/webhooks/github'), await status('/webhooks/github')]).toEqual([200, 200]);
    expect(await status('/webhooks/nobody')).toBe(404);
    expect(seen.at(-1)).toEqual({ method: 'POST', path: '/webhooks/nobody', status: 404, route: undefined });
  });

  it('does not throttle without settings', async () => {
    const { status } = await start(undefined);
    const all = await Promise.all(Array.from({ length: 50 }, () => status('/webhooks/github')));
    expect(new Set(all)).toEqual(new Set([200]));
  });
});
