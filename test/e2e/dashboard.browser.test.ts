import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { github } from '../../lambdas/providers/github';
import { sampleGithubIssue } from '../../local/samples';
import { signAs } from '../../local/sign';
import type { LocalStack } from '../../local/stack';
import { testStack } from '../helpers/local-stack';

// Debian's chromium, installed by .ci/run; never a downloaded browser build.
const CHROMIUM = '/usr/bin/chromium';
// Without it (a machine that never ran .ci/run) the test is skipped with a notice; CI sets REQUIRE_BROWSER so it never is.
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM && process.env.REQUIRE_BROWSER) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
if (!HAVE_CHROMIUM) console.warn(`skipping the browser test: ${CHROMIUM} is missing (apt-get install -y chromium)`);
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

let stack: LocalStack;
let close: () => Promise<void>;
let browser: BrowserContext;
let page: Page;
let profile: string;

beforeAll(async () => {
  if (!HAVE_CHROMIUM) return;
  // x300: the signature-rejections period (5 min) lasts 1 s, so it fires and clears in seconds.
  ({ stack, close } = await testStack({ providers: [github], observability: { timeScale: 300 } }));
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
  const signed = signAs('github', JSON.stringify(sampleGithubIssue()), 'not-the-secret', { headers: { 'x-github-event': 'issues' } });
  const res = await fetch(`${stack.url}/webhooks/github`, { method: 'POST', headers: signed.headers, body: signed.body });
  await res.arrayBuffer();
}

const row = (state: string) => `tr[data-alarm="signature-rejections:github"][data-state="${state}"]`;

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
});
