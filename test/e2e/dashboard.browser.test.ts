import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { football } from '../../lambdas/providers/football';
import { github, sampleGithubIssue } from '../../lambdas/providers/github';
import { STRIPE_SETUP_INTENT_CREATED, stripe } from '../../lambdas/providers/stripe';
import { EPISODES } from '../../local/demo/football-faults';
import { signAs } from '../../local/sign';
import type { LocalStack } from '../../local/stack';
import { testStack } from '../helpers/local-stack';

// Debian's chromium, installed by .ci/run; never a downloaded browser build.
const CHROMIUM = '/usr/bin/chromium';
// Without it (a machine that never ran .ci/run) the test is skipped with a notice; CI sets REQUIRE_BROWSER so it never is.
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM && process.env.REQUIRE_BROWSER)
  throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
if (!HAVE_CHROMIUM) console.warn(`skipping the browser test: ${CHROMIUM} is missing (apt-get install -y chromium)`);
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
// The page.evaluate callbacks run in the browser; this project's lib has no DOM types (its code runs on Node).
declare const document: any;
declare const window: any;
declare const devicePixelRatio: number;
declare const Node: { DOCUMENT_POSITION_FOLLOWING: number };

/** The first screen on-call sees on a laptop. */
const VIEWPORT = { width: 1280, height: 800 };

let stack: LocalStack;
let close: () => Promise<void>;
let browser: BrowserContext;
let page: Page;
let profile: string;

beforeAll(async () => {
  if (!HAVE_CHROMIUM) return;
  // x300: the signature-rejections and circuit-open periods (5 min) last 1 s, so they fire and clear in seconds.
  // The football poll runs only when a test invokes it, against its simulator, from a day back.
  ({ stack, close } = await testStack({
    providers: [github, football, stripe],
    polls: { autoStart: false, startBackMs: 86_400_000 },
    observability: { timeScale: 300 },
  }));
  profile = mkdtempSync(join(tmpdir(), 'chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: VIEWPORT,
  });
  page = browser.pages()[0] ?? (await browser.newPage());
});
afterAll(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await close?.();
});

async function post(provider: string, signed: { headers: Record<string, string>; body: string }): Promise<number> {
  const res = await fetch(`${stack.url}/webhooks/${provider}`, {
    method: 'POST',
    headers: signed.headers,
    body: signed.body,
  });
  await res.arrayBuffer();
  return res.status;
}

const forge = () =>
  post(
    'github',
    signAs('github', JSON.stringify(sampleGithubIssue()), 'not-the-secret', {
      headers: { 'x-github-event': 'issues' },
    }),
  );

/** A Stripe event created `lateMs` ago, as a retried delivery arrives: its event lag is that old. */
async function lateStripeEvent(lateMs: number): Promise<number> {
  const created = Math.floor((Date.now() - lateMs) / 1000);
  const body = JSON.stringify({ ...STRIPE_SETUP_INTENT_CREATED, id: `evt_${randomUUID().replace(/-/g, '')}`, created });
  return post('stripe', signAs('stripe', body, await stack.secrets.get('stripe', 'webhookSecret')));
}

const row = (state: string, alarm = 'signature-rejections:github') =>
  `tr[data-alarm="${alarm}"][data-state="${state}"]`;
/** An OK alarm's row: folded in its provider's group, so present but not shown until the group is opened. */
const folded = (alarm: string, provider: string) => `#ok details[data-provider="${provider}"] ${row('OK', alarm)}`;
const firing = (alarm: string) => `#firing ${row('ALARM', alarm)}`;

/** Sets (or, without settings, clears) faults on the football simulator over its HTTP control route. */
async function footballFaults(method: 'POST' | 'DELETE', settings?: unknown): Promise<void> {
  const res = await fetch(`${stack.polls!.simulators.football!.url}/_faults`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: settings ? JSON.stringify(settings) : undefined,
  });
  expect(res.ok).toBe(true);
  await res.arrayBuffer();
}

/** Where the page shows things, read in the browser: order in the document, boxes, folding. */
async function layout(alarm: string) {
  return page.evaluate((key) => {
    const fired = document.querySelector(`#firing tr[data-alarm="${key}"][data-state="ALARM"]`)!;
    const okRows = [...document.querySelectorAll('tr[data-state="OK"]')];
    const charts = [...document.querySelectorAll('#charts .chart')].map((c) => c.getBoundingClientRect());
    const groups = [...document.querySelectorAll('#ok details')].map((d) => ({
      provider: d.getAttribute('data-provider'),
      open: d.open as boolean,
      line: d.querySelector('summary')!.textContent,
      rows: [...d.querySelectorAll('tr[data-alarm]')].map((r) => r.getAttribute('data-provider') ?? 'stack'),
    }));
    return {
      okRows: okRows.length,
      firedBeforeEveryOk: okRows.every((r) => fired.compareDocumentPosition(r) & Node.DOCUMENT_POSITION_FOLLOWING),
      firedBottom: fired.getBoundingClientRect().bottom,
      firstChart: charts[0],
      chartsTop: Math.min(...charts.map((c) => c.top)),
      groups,
    };
  }, alarm);
}

describe.skipIf(!HAVE_CHROMIUM)('local dashboard in a browser', () => {
  it('puts a firing alarm first, above every OK alarm and the charts, with a chart on the first screen, and folds it back once OK', async () => {
    const alarm = 'signature-rejections:github';
    await page.goto(`${stack.url}/_dashboard`);
    await page.waitForSelector(folded(alarm, 'github'), { state: 'attached' });
    expect(await page.isVisible(folded(alarm, 'github'))).toBe(false);
    expect(await page.getAttribute(`${folded(alarm, 'github')} a`, 'href')).toBe(
      '/_dashboard/runbooks/signature-rejections.md',
    );

    // Forge until the page shows the alarm (a state, not a duration), then stop and wait for OK.
    let forging = true;
    const traffic = (async () => {
      // Four at a time, so a slow machine still packs more than 10 into one period.
      while (forging) await Promise.all([forge(), forge(), forge(), forge()]);
    })();
    try {
      await page.waitForSelector(firing(alarm), { timeout: 30_000 });
      const seen = await layout(alarm);
      expect(seen.okRows).toBeGreaterThan(10);
      expect(seen.firedBeforeEveryOk).toBe(true);
      expect(seen.firedBottom).toBeLessThanOrEqual(seen.chartsTop);
      // A whole chart on the first screen.
      expect(seen.firstChart!.bottom).toBeLessThanOrEqual(VIEWPORT.height);
      // OK alarms folded: one closed line per provider saying how many, holding only that provider's alarms.
      expect(seen.groups.map((g) => g.provider).sort()).toEqual(
        expect.arrayContaining(['football', 'github', 'stripe']),
      );
      for (const g of seen.groups) {
        expect(g.open, g.provider!).toBe(false);
        expect(g.line).toMatch(new RegExp(`^${g.provider}: ${g.rows.length} OK`));
        expect(new Set(g.rows)).toEqual(new Set([g.provider]));
      }
      expect(await page.textContent('#headline')).toContain('Webhook signature rejections (github)');
      expect(await page.getAttribute('#header', 'data-state')).toBe('ALARM');
    } finally {
      forging = false;
      await traffic;
    }
    await page.waitForSelector(folded(alarm, 'github'), { state: 'attached', timeout: 30_000 });
    expect(await page.locator(firing(alarm)).count()).toBe(0);
    expect(await page.isVisible(folded(alarm, 'github'))).toBe(false);
    expect(await page.textContent('#headline')).not.toContain('Webhook signature rejections');

    // The webhooks chart was drawn by uPlot, with the rejected series.
    await page.waitForSelector('#chart-webhooks canvas');
    expect(Number(await page.getAttribute('#chart-webhooks', 'data-series'))).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#chart-webhooks .u-legend').textContent()).toContain('github signature rejected');
  });

  it('labels value axes with units, each tick whole: durations in s and min, counts as plain numbers', async () => {
    await page.goto(`${stack.url}/_dashboard`);
    // Stripe retried a delivery 150 s late: the lag chart's scale reaches minutes.
    expect(await lateStripeEvent(150_000)).toBe(200);
    await page.waitForFunction(() =>
      /min"/.test(document.querySelector('#chart-lag')?.getAttribute('data-y-ticks') ?? ''),
    );
    const axes = await page.evaluate(() => {
      const measure = document.createElement('canvas').getContext('2d')!;
      measure.font = '12px system-ui, sans-serif';
      const plots = (window as unknown as { dashboard: { plots: Map<string, { plot: { bbox: { left: number } } }> } })
        .dashboard.plots;
      return [...document.querySelectorAll('#charts .chart[data-y-ticks]')].map((box) => {
        const id = box.getAttribute('data-chart')!;
        const ticks = JSON.parse(box.getAttribute('data-y-ticks')!) as string[];
        return {
          id,
          ticks,
          splits: JSON.parse(box.getAttribute('data-y-splits')!) as number[],
          widest: Math.max(...ticks.map((t) => measure.measureText(t).width)),
          // The plot area starts where the axis ends: every label must fit left of it.
          plotLeft: (plots.get(id)?.plot.bbox.left ?? 0) / devicePixelRatio,
        };
      });
    });
    const lag = axes.find((a) => a.id === 'lag')!;
    const seconds: Record<string, number> = { ms: 1, s: 1000, min: 60_000, h: 3_600_000 };
    lag.ticks.forEach((tick, i) => {
      const m = /^(\d+(?:\.\d+)?) (ms|s|min|h)$/.exec(tick);
      const value = tick === '0' ? 0 : Number(m?.[1]) * seconds[m?.[2] ?? '']!;
      expect(value, tick).toBeCloseTo(lag.splits[i]!, -1);
    });
    expect(lag.ticks).toEqual(expect.arrayContaining(['1 min', '2 min']));
    const counts = axes.find((a) => a.id === 'webhooks')!;
    for (const tick of counts.ticks) expect(tick).toMatch(/^\d+(\.\d+)?[kM]?$/);
    expect(axes.length).toBeGreaterThanOrEqual(3);
    // 5 px gap and 6 px ticks between a label and the plot, as the page draws them.
    for (const a of axes) expect(a.widest + 11, `${a.id}: ${a.ticks.join(', ')}`).toBeLessThanOrEqual(a.plotLeft);
  });

  it('shows the circuit-open alarm turn red under a football 5xx burst set through the simulator, and back to OK once the fault ends', async () => {
    const alarm = 'circuit-open:football';
    await page.goto(`${stack.url}/_dashboard`);
    await page.waitForSelector(folded(alarm, 'football'), { state: 'attached' });
    expect(await page.getAttribute(`${folded(alarm, 'football')} a`, 'href')).toBe(
      '/_dashboard/runbooks/circuit-open.md',
    );

    // 503s on /fixtures, then a poll run: retries, a gap, the breaker opens and refuses the next window.
    await footballFaults('POST', EPISODES['5xx-burst'].settings);
    const run = await stack.polls!.scheduler.invoke({ provider: 'football', poll: 'fixtures' });
    expect(run?.stopped).toBe('circuit_open');
    await page.waitForSelector(firing(alarm), { timeout: 30_000 });
    // The provider health panel shows the breaker open, first, with the failures that opened it (as `ops circuit`).
    const health = '#health tbody tr';
    await page.waitForSelector(`${health}[data-provider="football"][data-circuit="open"]`, { timeout: 30_000 });
    expect(await page.getAttribute(`${health}:first-child`, 'data-provider')).toBe('football');
    expect(await page.textContent(`${health}[data-provider="football"] td:last-child`)).toMatch(/503/);
    // The outbound requests chart shows the 5xx answers that opened it.
    await page.locator('#chart-requests .u-legend', { hasText: 'football 5xx' }).waitFor({ timeout: 30_000 });

    await footballFaults('DELETE');
    await page.waitForSelector(folded(alarm, 'football'), { state: 'attached', timeout: 30_000 });
  });
});
