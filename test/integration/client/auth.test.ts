import { afterEach, describe, expect, it } from 'vitest';
import { trello } from '../../../lambdas/providers/trello';
import type { AuthSpec } from '../../../lambdas/core/provider';
import { clientRig, ctx, TOKEN, type ClientRig } from '../../helpers/client-setup';

let rig: ClientRig;
afterEach(async () => rig?.close());

const get = (path = '/v1/items/rec_000001') => rig.client.request({ path }, ctx);
const CLIENT_ID = 'client-7f3a9c';
const CLIENT_SECRET = 'cs_live_b1946ac92492d2347c6235b4d2611184';
const oauth = (extra: Partial<Extract<AuthSpec, { kind: 'oauth2-client-credentials' }>> = {}): AuthSpec => ({
  kind: 'oauth2-client-credentials',
  tokenUrl: '/oauth/token',
  clientIdSecret: 'clientId',
  clientSecretSecret: 'clientSecret',
  scopes: ['records:read', 'records:write'],
  ...extra,
});
const oauthRig = (expiresIn = 3600, auth = oauth()) =>
  clientRig({
    definition: { auth, secrets: ['clientId', 'clientSecret'] },
    secrets: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
    sim: { auth: { kind: 'oauth2', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, expiresIn } },
  });
const tokenRequests = () => rig.sim.log('/oauth/token');

describe('request shape', () => {
  it('sends the correlation id, the pinned version header and the bearer token', async () => {
    rig = await clientRig({
      definition: { apiVersion: { value: '2024-06-01', in: 'header', header: 'Records-Version' } },
    });
    expect((await get()).ok).toBe(true);
    const [req] = rig.sim.log();
    expect(req!.headers).toMatchObject({
      'x-correlation-id': ctx.traceId,
      'records-version': '2024-06-01',
      authorization: `Bearer ${TOKEN}`,
    });
  });

  it('puts a path version before the request path', async () => {
    rig = await clientRig({ definition: { apiVersion: { value: 'v1', in: 'path' } } });
    expect((await rig.client.request({ path: '/items/rec_000002' }, ctx)).ok).toBe(true);
    expect(rig.sim.log()[0]!.path).toBe('/v1/items/rec_000002');
  });

  it('sends an API key in a header', async () => {
    rig = await clientRig({
      definition: { auth: { kind: 'apiKey', in: 'header', name: 'X-Api-Key', secret: 'apiKey' } },
      secrets: { apiKey: 'ak_2f1d6c0e9b' },
      sim: { auth: { kind: 'apiKey', in: 'header', name: 'x-api-key', value: 'ak_2f1d6c0e9b' } },
    });
    expect((await get()).ok).toBe(true);
  });

  it('sends an API key as a query parameter', async () => {
    rig = await clientRig({
      definition: { auth: { kind: 'apiKey', in: 'query', name: 'key', secret: 'apiKey' } },
      secrets: { apiKey: 'ak_query_5e8d' },
      sim: { auth: { kind: 'apiKey', in: 'query', name: 'key', value: 'ak_query_5e8d' } },
    });
    expect((await rig.client.request({ path: '/v1/items/rec_000001', query: { expand: 'all' } }, ctx)).ok).toBe(true);
    expect(rig.sim.log()[0]!.query).toEqual({ expand: 'all', key: 'ak_query_5e8d' });
  });

  it("keeps several query keys (Trello's key and token) out of response URLs and next-page positions", async () => {
    const keys = { apiKey: 'trello-key-0b7c1e', token: 'trello-token-ATTA9f2d41' };
    rig = await clientRig({
      definition: { auth: trello.auth },
      secrets: keys,
      sim: {
        count: 250,
        auth: {
          kind: 'apiKeys',
          in: 'query',
          keys: [
            { name: 'key', value: keys.apiKey },
            { name: 'token', value: keys.token },
          ],
        },
      },
    });
    const res = await rig.client.request({ path: '/v1/items/rec_000001', query: { fields: 'name' } }, ctx);
    expect(res.ok && new URL(res.value.url).search).toBe('?fields=name');
    const positions: string[] = [];
    for await (const page of rig.client.paginate({ path: '/v1/link/items' }, { style: 'link' }, ctx)) {
      expect(page.ok).toBe(true);
      if (!page.ok) break;
      positions.push(page.page.response.url, ...(page.page.next?.url ? [page.page.next.url] : []));
    }
    expect(positions.length).toBeGreaterThan(3);
    const seen = JSON.stringify([positions, rig.events]);
    expect(seen).not.toContain(keys.apiKey);
    expect(seen).not.toContain(keys.token);
    // The keys were sent on every page all the same.
    expect(rig.sim.log().every((r) => r.query.key === keys.apiKey && r.query.token === keys.token)).toBe(true);
  });

  it('refuses to follow a URL on another origin with the credentials', async () => {
    rig = await clientRig();
    const res = await rig.client.request({ path: 'https://elsewhere.example/steal' }, ctx);
    expect(!res.ok && res.error.kind).toBe('permanent');
    expect(rig.sim.log()).toHaveLength(0);
  });
});

describe('OAuth 2.0 client credentials', () => {
  it('gets a token with HTTP Basic client auth and the scopes, and reuses it until shortly before expiry', async () => {
    rig = await oauthRig(3600);
    for (let i = 0; i < 5; i += 1) expect((await get()).ok).toBe(true);
    expect(tokenRequests()).toHaveLength(1);
    const form = new URLSearchParams(tokenRequests()[0]!.body);
    expect(Object.fromEntries(form)).toEqual({ grant_type: 'client_credentials', scope: 'records:read records:write' });
    expect(tokenRequests()[0]!.headers.authorization).toBe(
      `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
    );
    rig.time.advance(3600_000 - 59_000); // inside the last minute
    expect((await get()).ok).toBe(true);
    expect(tokenRequests()).toHaveLength(2);
  });

  it('can send the client credentials in the form body instead', async () => {
    rig = await oauthRig(3600, oauth({ clientAuth: 'body' }));
    expect((await get()).ok).toBe(true);
    expect(new URLSearchParams(tokenRequests()[0]!.body).get('client_secret')).toBe(CLIENT_SECRET);
  });

  it('refreshes once on a 401 and retries the call', async () => {
    rig = await oauthRig();
    await get();
    rig.sim.revokeTokens();
    const res = await get();
    expect(res.ok && res.value.attempts).toBe(2);
    expect(tokenRequests()).toHaveLength(2);
  });

  it('treats a 401 after the refresh as permanent auth failure', async () => {
    rig = await oauthRig();
    await get();
    rig.sim.faults.add(
      { kind: 'status', status: 401, body: { error: 'invalid_token' } },
      { times: 5, match: { path: '/v1/items' } },
    );
    const res = await get();
    expect(!res.ok && res.error).toMatchObject({ kind: 'auth', status: 401, attempts: 2 });
    expect(tokenRequests()).toHaveLength(2);
  });

  it('shares one refresh among concurrent calls that got a 401', async () => {
    rig = await oauthRig();
    const first = await Promise.all(Array.from({ length: 5 }, () => get()));
    expect(first.every((r) => r.ok)).toBe(true);
    expect(tokenRequests()).toHaveLength(1);
    rig.sim.revokeTokens();
    const again = await Promise.all(Array.from({ length: 5 }, () => get()));
    expect(again.every((r) => r.ok)).toBe(true);
    expect(tokenRequests()).toHaveLength(2);
  });

  it('returns auth, unretried, when the token endpoint refuses the client', async () => {
    rig = await clientRig({
      definition: { auth: oauth(), secrets: ['clientId', 'clientSecret'] },
      secrets: { clientId: CLIENT_ID, clientSecret: 'not-the-secret' },
      sim: { auth: { kind: 'oauth2', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET } },
    });
    const res = await get();
    expect(!res.ok && res.error.kind).toBe('auth');
    expect(!res.ok && res.error.message).toContain('invalid_client');
    expect(tokenRequests()).toHaveLength(1);
    expect(rig.sim.log('/v1')).toHaveLength(0);
  });

  it('retries when the token endpoint is briefly down', async () => {
    rig = await oauthRig();
    rig.sim.faults.add({ kind: 'status', status: 503 }, { match: { path: '/oauth/token' } });
    expect((await get()).ok).toBe(true);
    expect(tokenRequests()).toHaveLength(2);
  });
});
