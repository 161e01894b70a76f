import { describe, expect, it } from 'vitest';
import { apiBase, operationOf, requestUrl } from '../../../lambdas/core/client/request-url';
import { simProvider } from '../../../local/simulators';

describe('endpoint names for metrics', () => {
  it('replaces id-like path segments so a dimension never takes one value per entity', () => {
    expect(operationOf({ method: 'get', path: '/v1/items/rec_000001?expand=all' })).toBe('GET /v1/items/{id}');
    expect(operationOf({ method: 'POST', path: 'repos/octo/hello/issues/1347/comments' })).toBe(
      'POST /repos/octo/hello/issues/{id}/comments',
    );
    expect(operationOf({ path: 'https://api.example/v3/fixtures?page=2' })).toBe('GET /v3/fixtures');
  });
});

describe('request URLs', () => {
  it('joins the base URL, a path version and the path, and refuses another origin', () => {
    const base = apiBase(simProvider({ apiVersion: { value: 'v3', in: 'path' } }), 'http://127.0.0.1:9/');
    expect(base).toBe('http://127.0.0.1:9/v3');
    expect(requestUrl(base, { path: '/fixtures', query: { page: 2, skip: undefined } }).toString()).toBe(
      'http://127.0.0.1:9/v3/fixtures?page=2',
    );
    expect(requestUrl(base, { path: 'http://127.0.0.1:9/v3/fixtures?page=3' }).toString()).toBe(
      'http://127.0.0.1:9/v3/fixtures?page=3',
    );
    expect(() => requestUrl(base, { path: 'http://evil.example/v3' })).toThrow(/another origin/);
  });
});

describe('base URL placeholders', () => {
  it('fills `{name}` from a secret, URL-encoded (Shopify shop domains)', async () => {
    const { fillPlaceholders } = await import('../../../lambdas/core/client/request-url');
    const secrets: Record<string, string> = { shop: 'my-store' };
    expect(await fillPlaceholders('https://{shop}.myshopify.com/admin/api', async (n) => secrets[n]!)).toBe(
      'https://my-store.myshopify.com/admin/api',
    );
    expect(await fillPlaceholders('https://api.example.com', async () => 'unused')).toBe('https://api.example.com');
  });
});
