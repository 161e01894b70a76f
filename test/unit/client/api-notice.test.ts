import { describe, expect, it } from 'vitest';
import { apiNotice, noticeSignature, warningTexts } from '../../../lambdas/core/client/api-notice';

const URL_ = 'https://api.example.com/v1/items';

describe('deprecation signals of a response', () => {
  it('reads the RFC 9745 Deprecation date (a Structured Field Date) and its deprecation link', () => {
    // The RFC's own examples: section 2.1 and section 3.
    const n = apiNotice(
      {
        deprecation: '@1688169599',
        link: '<https://developer.example.com/deprecation>; rel="deprecation"; type="text/html"',
      },
      URL_,
    );
    expect(n).toEqual({
      deprecated: true,
      deprecatedAt: 1688169599000,
      sunsetAt: undefined,
      links: { deprecation: 'https://developer.example.com/deprecation', sunset: undefined },
      warnings: [],
      notices: {},
    });
    expect(new Date(n!.deprecatedAt!).toISOString()).toBe('2023-06-30T23:59:59.000Z');
  });

  it('reads the RFC 8594 Sunset HTTP-date and a sunset link, relative links resolved against the request', () => {
    const n = apiNotice(
      {
        sunset: 'Sat, 31 Dec 2018 23:59:59 GMT',
        link: '</docs/sunset-policy>; rel="sunset", <https://api.example.com/v1/items?page=2>; rel="next"',
      },
      URL_,
    );
    expect(n).toMatchObject({
      deprecated: false,
      sunsetAt: Date.UTC(2018, 11, 31, 23, 59, 59),
      links: { sunset: 'https://api.example.com/docs/sunset-policy' },
    });
  });

  it('reads every HTTP-date form as GMT, asctime included (RFC 9110 5.6.7)', () => {
    for (const sunset of [
      'Sun, 06 Nov 1994 08:49:37 GMT',
      'Sunday, 06-Nov-94 08:49:37 GMT',
      'Sun Nov  6 08:49:37 1994',
    ]) {
      expect(apiNotice({ sunset }, URL_)?.sunsetAt, sunset).toBe(Date.UTC(1994, 10, 6, 8, 49, 37));
    }
  });

  it("accepts the drafts' forms still in use: `true` (deprecated, no date) and an HTTP-date", () => {
    expect(apiNotice({ deprecation: 'true' }, URL_)).toMatchObject({ deprecated: true, deprecatedAt: undefined });
    expect(apiNotice({ deprecation: 'Sun, 11 Nov 2018 23:59:59 GMT' }, URL_)?.deprecatedAt).toBe(
      Date.UTC(2018, 10, 11, 23, 59, 59),
    );
    // Unreadable: still deprecated, and still no crash.
    expect(apiNotice({ deprecation: '?1', sunset: 'soon' }, URL_)).toMatchObject({
      deprecated: true,
      deprecatedAt: undefined,
      sunsetAt: undefined,
    });
  });

  it('keeps 199/299 Warning texts, as Kubernetes sends for deprecated APIs, and ignores caching warnings', () => {
    const k8s =
      '299 - "extensions/v1beta1 Ingress is deprecated in v1.14+, unavailable in v1.22+; use networking.k8s.io/v1 Ingress"';
    expect(warningTexts(k8s)).toEqual([
      'extensions/v1beta1 Ingress is deprecated in v1.14+, unavailable in v1.22+; use networking.k8s.io/v1 Ingress',
    ]);
    expect(
      warningTexts(
        '110 anderson/1.3.37 "Response is stale", 299 api.example.com "Use \\"v2\\"" "Wed, 21 Oct 2015 07:28:00 GMT"',
      ),
    ).toEqual(['Use "v2"']);
    expect(apiNotice({ warning: '110 - "Response is stale"' }, URL_)).toBeUndefined();
  });

  it("records a provider's own notice headers (Shopify's X-Shopify-API-Deprecated-Reason), bounded and on one line", () => {
    const n = apiNotice({ 'x-shopify-api-deprecated-reason': 'https://shopify.dev/changelog/x\r\nInjected: 1' }, URL_, [
      'X-Shopify-API-Deprecated-Reason',
    ]);
    expect(n?.notices).toEqual({ 'x-shopify-api-deprecated-reason': 'https://shopify.dev/changelog/x Injected: 1' });
    expect(apiNotice({ warning: `299 - "${'x'.repeat(2000)}"` }, URL_)!.warnings[0]!.length).toBeLessThan(310);
  });

  it('is undefined for an ordinary response, and its signature changes only with what it says', () => {
    expect(
      apiNotice({ 'content-type': 'application/json', link: '<https://x/?p=2>; rel="next"' }, URL_),
    ).toBeUndefined();
    const a = apiNotice({ sunset: 'Sat, 31 Dec 2028 23:59:59 GMT' }, URL_);
    expect(noticeSignature(a)).toBe(noticeSignature(apiNotice({ sunset: 'Sat, 31 Dec 2028 23:59:59 GMT' }, URL_)));
    expect(noticeSignature(a)).not.toBe(noticeSignature(apiNotice({ sunset: 'Sun, 31 Dec 2028 23:59:58 GMT' }, URL_)));
  });
});
