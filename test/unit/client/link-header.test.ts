import { describe, expect, it } from 'vitest';
import { nextLink } from '../../../lambdas/core/client/link-header';

const base = 'https://api.github.com/repositories/1300192/issues?page=2';

describe('nextLink (RFC 8288 Link header)', () => {
  it("reads GitHub's documented header", () => {
    const header =
      '<https://api.github.com/repositories/1300192/issues?page=1>; rel="prev", <https://api.github.com/repositories/1300192/issues?page=3>; rel="next", <https://api.github.com/repositories/1300192/issues?page=515>; rel="last", <https://api.github.com/repositories/1300192/issues?page=1>; rel="first"';
    expect(nextLink(header, base)).toBe('https://api.github.com/repositories/1300192/issues?page=3');
  });

  it('reads an unquoted rel=next', () => {
    expect(nextLink('<https://api.example.com/items?page=3>; rel=next', base)).toBe(
      'https://api.example.com/items?page=3',
    );
  });

  it('finds next among several space-separated relation types (RFC 8288 3.3)', () => {
    expect(
      nextLink(
        '<https://api.example.com/items?page=1>; rel="first", <https://api.example.com/items?page=3>; rel="prev next"',
        base,
      ),
    ).toBe('https://api.example.com/items?page=3');
  });

  it('compares the parameter name and the relation type case-insensitively', () => {
    expect(nextLink('<https://api.example.com/items?page=3>; REL="Next"', base)).toBe(
      'https://api.example.com/items?page=3',
    );
  });

  it('is not fooled by commas and semicolons inside quoted parameters', () => {
    const header =
      '<https://api.example.com/items?page=1>; title="first, then; next"; rel="first", <https://api.example.com/items?page=3>; rel="next"; title="a, b; rel=prev"';
    expect(nextLink(header, base)).toBe('https://api.example.com/items?page=3');
  });

  it("reads RFC 8288's title* example and resolves relative targets against the request URL (3.5)", () => {
    const header =
      '</TheBook/chapter2>; rel="previous"; title*=UTF-8\'de\'letztes%20Kapitel, </TheBook/chapter4>; rel="next"; title*=UTF-8\'de\'n%c3%a4chstes%20Kapitel';
    expect(nextLink(header, 'http://example.com/TheBook/chapter3')).toBe('http://example.com/TheBook/chapter4');
    expect(nextLink('<?page=3>; rel="next"', 'https://api.example.com/v1/items?page=2')).toBe(
      'https://api.example.com/v1/items?page=3',
    );
    expect(nextLink('<items?page=3>; rel="next"', 'https://api.example.com/v1/items?page=2')).toBe(
      'https://api.example.com/v1/items?page=3',
    );
  });

  it('is undefined without a next link, a header, or a header it can read', () => {
    expect(
      nextLink(
        '<https://api.example.com/items?page=1>; rel="prev", <https://api.example.com/items?page=9>; rel="last"',
        base,
      ),
    ).toBeUndefined();
    expect(nextLink('<https://api.example.com/items?page=3>; rel="nextpage"', base)).toBeUndefined();
    expect(nextLink(undefined, base)).toBeUndefined();
    expect(nextLink('', base)).toBeUndefined();
    expect(nextLink('not a link header', base)).toBeUndefined();
  });
});
