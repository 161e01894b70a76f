import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { football } from '../../lambdas/providers/football';
import { github, sampleGithubIssue } from '../../lambdas/providers/github';
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
    providers: [github, football],
    polls: { autoStart: false, startBackMs: 86_400_000 },
    observability: { timeScale: 300 },
  }));
  profile = mkdtempSync(join(tmpdir(), 'chromium-'));
  browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
  page = browser.pages()[0] ?? (await browser.newPage());
});
afterAll(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await close?.();
});

async function forge(): Promise<void> {
  const signed = signAs('github', JSON.stringify(sampleGithubIssue()), 'not-the-secret', {
    headers: { 'x-github-event': 'issues' },
  });
  const res = await fetch(`${stack.url}/webhooks/github`, {
    method: 'POST',
    headers: signed.headers,
    body: signed.body,
  });
  await res.arrayBuffer();
}

const row = (state: string, alarm = 'signature-rejections:github') =>
  `tr[data-alarm="${alarm}"][data-state="${state}"]`;

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

describe.skipIf(!HAVE_CHROMIUM)('local dashboard in a browser', () => {
  it('shows the signature-rejections alarm turn red under forged webhooks and back to OK when they stop', async () => {
    await page.goto(`${stack.url}/_dashboard`);
    await page.waitForSelector(row('OK'));
    expect(await page.getAttribute(`${row('OK')} a`, 'href')).toBe('/_dashboard/runbooks/signature-rejections.md');

    // Forge until the page shows the alarm (a state, not a duration), then stop and wait for OK.
    let forging = true;
    const traffic = (async () => {
      // Four at a time, so a slow machine still packs more than 10 into one period.
      while (forging) await Promise.all([forge(), forge(), forge(), forge()]);
    })();
    try {
      await page.waitForSelector(row('ALARM'), { timeout: 30_000 });
    } finally {
      forging = false;
      await traffic;
    }
    await page.waitForSelector(row('OK'), { timeout: 30_000 });

    // The webhooks chart was drawn by uPlot, with the rejected series.
    await page.waitForSelector('#chart-webhooks canvas');
    expect(Number(await page.getAttribute('#chart-webhooks', 'data-series'))).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#chart-webhooks .u-legend').textContent()).toContain('github signature rejected');
  });

  it('shows the circuit-open alarm turn red under a football 5xx burst set through the simulator, and back to OK once the fault ends', async () => {
    const circuit = (state: string) => row(state, 'circuit-open:football');
    await page.goto(`${stack.url}/_dashboard`);
    await page.waitForSelector(circuit('OK'));
    expect(await page.getAttribute(`${circuit('OK')} a`, 'href')).toBe('/_dashboard/runbooks/circuit-open.md');

    // 503s on /fixtures, then a poll run: retries, a gap, the breaker opens and refuses the next window.
    await footballFaults('POST', EPISODES['5xx-burst'].settings);
    const run = await stack.polls!.scheduler.invoke({ provider: 'football', poll: 'fixtures' });
    expect(run?.stopped).toBe('circuit_open');
    await page.waitForSelector(circuit('ALARM'), { timeout: 30_000 });
    // The outbound requests chart shows the 5xx answers that opened it.
    await page.locator('#chart-requests .u-legend', { hasText: 'football 5xx' }).waitFor({ timeout: 30_000 });

    await footballFaults('DELETE');
    await page.waitForSelector(circuit('OK'), { timeout: 30_000 });
  });
});
