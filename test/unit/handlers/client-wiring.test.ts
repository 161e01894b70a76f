import { afterEach, describe, expect, it } from 'vitest';
import { createRequestClient, realTime } from '../../../lambdas/core/client';
import { baseUrlEnv, tokenUrlEnv } from '../../../lambdas/core/env-contract';
import {
  endpointOverrides,
  providerClient,
  providerRequestClient,
  resetProviderClients,
} from '../../../lambdas/handlers/shared/provider-clients';
import { RecordsSimulator, simProvider } from '../../../local/simulators';
import { MemorySecrets, RecordingTelemetry } from '../../helpers/memory';

let sim: RecordsSimulator;
afterEach(async () => {
  resetProviderClients();
  await sim?.close();
});

describe('client wiring for handlers', () => {
  it('names the override variables after the provider', () => {
    expect(baseUrlEnv('api-football')).toBe('API_FOOTBALL_BASE_URL');
    expect(tokenUrlEnv('trello')).toBe('TRELLO_TOKEN_URL');
    expect(endpointOverrides('stripe', { STRIPE_BASE_URL: 'http://127.0.0.1:9' })).toEqual({
      baseUrl: 'http://127.0.0.1:9',
      tokenUrl: undefined,
    });
  });

  it('sends to <PROVIDER>_BASE_URL, reports through the telemetry, and reuses one client per provider', async () => {
    sim = new RecordsSimulator({ count: 5, auth: { kind: 'bearer', token: 'tok_wiring_99' } });
    const url = await sim.listen();
    const telemetry = new RecordingTelemetry();
    const opts = {
      telemetry,
      env: { RECORDS_BASE_URL: url },
      secrets: new MemorySecrets({ records: { token: 'tok_wiring_99' } }),
    };
    const client = providerClient(simProvider(), opts);
    expect(providerClient(simProvider(), opts)).toBe(client);
    const res = await client.request({ path: '/v1/items/rec_000001' }, { traceId: 'w-1', remainingMs: () => 30_000 });
    expect(res.ok).toBe(true);
    expect(telemetry.logs.some((l) => l.message === 'provider call' && l.fields?.trace_id === 'w-1')).toBe(true);
    expect(
      telemetry.count('Requests', { provider: 'records', operation: 'GET /v1/items/{id}', status_class: '2xx' }),
    ).toBe(1);
    expect(telemetry.text()).not.toContain('tok_wiring_99');
  });

  it('gives a writer a client without pagination, cached apart, that still gets OAuth tokens', async () => {
    sim = new RecordsSimulator({
      count: 5,
      auth: { kind: 'oauth2', clientId: 'cid_w', clientSecret: 'cs_wiring_secret_7', expiresIn: 3600 },
    });
    const url = await sim.listen();
    const definition = simProvider({
      auth: {
        kind: 'oauth2-client-credentials',
        tokenUrl: '/oauth/token',
        clientIdSecret: 'clientId',
        clientSecretSecret: 'clientSecret',
      },
      secrets: ['clientId', 'clientSecret'],
    });
    const telemetry = new RecordingTelemetry();
    const opts = {
      telemetry,
      env: { RECORDS_BASE_URL: url },
      secrets: new MemorySecrets({ records: { clientId: 'cid_w', clientSecret: 'cs_wiring_secret_7' } }),
    };
    const client = providerRequestClient(definition, opts);
    expect('paginate' in client).toBe(false);
    expect(providerRequestClient(definition, opts)).toBe(client);
    expect(providerClient(definition, opts)).not.toBe(client);
    expect(typeof providerClient(definition, opts).paginate).toBe('function');
    expect((await client.request({ path: '/v1/items/rec_000001' }, { traceId: 'w-2' })).ok).toBe(true);
    expect(sim.log('/oauth/token')).toHaveLength(1);
    expect(telemetry.text()).not.toContain('cs_wiring_secret_7');
  });

  it('refuses to build a request client for an OAuth provider without a token factory', () => {
    const definition = simProvider({
      auth: {
        kind: 'oauth2-client-credentials',
        tokenUrl: '/oauth/token',
        clientIdSecret: 'clientId',
        clientSecretSecret: 'clientSecret',
      },
    });
    expect(() => createRequestClient({ definition, secrets: new MemorySecrets({}), time: realTime })).toThrow(
      /records uses OAuth: its client needs deps.oauthTokens/,
    );
  });
});
