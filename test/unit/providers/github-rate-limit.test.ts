import { describe, expect, it } from 'vitest';
import { github, githubProblem } from '../../../lambdas/providers/github';

// GitHub's documented responses ("Rate limits for the REST API", Exceeding the rate limit).
const now = Date.UTC(2025, 0, 6, 12, 0, 0);
const resetSeconds = now / 1000 + 1800;
const primary = {
  message: 'API rate limit exceeded for user ID 1.',
  documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
};
const secondary = {
  message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
  documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
};
const spent = {
  'x-ratelimit-limit': '5000',
  'x-ratelimit-remaining': '0',
  'x-ratelimit-used': '5000',
  'x-ratelimit-reset': String(resetSeconds),
  'x-ratelimit-resource': 'core',
};

describe("GitHub's rate limits (inspectResponse)", () => {
  it('is the hook of the GitHub definition', () => {
    expect(github.inspectResponse).toBe(githubProblem);
  });

  it.each([403, 429])(
    'makes a primary limit (%i, x-ratelimit-remaining 0) rate_limited until x-ratelimit-reset',
    (status) => {
      expect(githubProblem({ status, headers: spent, body: primary }, now)).toEqual({
        kind: 'rate_limited',
        message: `rate limited (${status}): ${primary.message}`,
        resumeAt: resetSeconds * 1000,
      });
    },
  );

  it.each([403, 429])('waits a secondary limit (%i) out by retry-after seconds first', (status) => {
    const headers = { ...spent, 'retry-after': '30' };
    expect(githubProblem({ status, headers, body: secondary }, now)).toMatchObject({
      kind: 'rate_limited',
      resumeAt: now + 30_000,
    });
  });

  it('waits a secondary limit without retry-after until the reset when none remain, else one minute', () => {
    expect(githubProblem({ status: 403, headers: spent, body: secondary }, now)?.resumeAt).toBe(resetSeconds * 1000);
    const some = { ...spent, 'x-ratelimit-remaining': '4000' };
    expect(githubProblem({ status: 403, headers: some, body: secondary }, now)).toEqual({
      kind: 'rate_limited',
      message: `rate limited (403): ${secondary.message}`,
      resumeAt: now + 60_000,
    });
    expect(githubProblem({ status: 429, headers: {}, body: undefined }, now)).toEqual({
      kind: 'rate_limited',
      message: 'rate limited (429)',
      resumeAt: now + 60_000,
    });
  });

  it('keeps a 403 without rate-limit signals permanent (the common rules decide)', () => {
    const headers = { ...spent, 'x-ratelimit-remaining': '4999' };
    expect(
      githubProblem({ status: 403, headers, body: { message: 'Resource not accessible by integration' } }, now),
    ).toBeUndefined();
    expect(githubProblem({ status: 403, headers: {}, body: undefined }, now)).toBeUndefined();
    expect(githubProblem({ status: 404, headers: spent, body: { message: 'Not Found' } }, now)).toBeUndefined();
    expect(githubProblem({ status: 200, headers: spent, body: [] }, now)).toBeUndefined();
  });
});
