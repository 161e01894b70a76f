import { describe, expect, it } from 'vitest';
import { ingest, type IngestDeps } from '../../lambdas/core/ingest';
import { getProvider } from '../../lambdas/providers';
import { SLACK_URL_VERIFICATION } from '../../lambdas/providers/slack';
import { TRELLO_VOTE_ON_CARD } from '../../lambdas/providers/trello';
import { signAs } from '../../local/sign';
import { MemoryQueue, MemorySecrets, RecordingTelemetry } from '../helpers/memory';

const NOW = new Date('2026-01-01T00:00:00Z');
const REQUEST_URL = 'https://abc123.execute-api.eu-west-1.amazonaws.com/webhooks/trello';

function setup(secrets: Record<string, Record<string, string>>) {
  const queue = new MemoryQueue();
  const telemetry = new RecordingTelemetry();
  const deps: IngestDeps = {
    registry: getProvider,
    secrets: new MemorySecrets(secrets),
    queueFor: () => queue,
    telemetry,
    now: () => NOW,
    newId: () => 'id',
  };
  return { queue, deps, telemetry };
}

describe('ingest: provider hooks (HEAD probes, signed callback URLs, handshakes)', () => {
  it('answers HEAD with 200 only for providers that probe with it, before reading any secret', async () => {
    const { deps, queue } = setup({});
    expect(await ingest({ provider: 'trello', method: 'HEAD', headers: {}, rawBody: Buffer.alloc(0) }, deps)).toEqual({
      statusCode: 200,
      body: '',
    });
    const res = await ingest({ provider: 'github', method: 'HEAD', headers: {}, rawBody: Buffer.alloc(0) }, deps);
    expect(res.statusCode).toBe(405);
    expect(res.headers?.allow).toBe('POST');
    expect(queue.messages).toHaveLength(0);
  });

  it('verifies Trello against the request URL when the callbackUrl secret is missing or not a URL', async () => {
    const body = JSON.stringify(TRELLO_VOTE_ON_CARD);
    const signed = signAs('trello', body, 'app-secret', { url: REQUEST_URL });
    const cases: Record<string, Record<string, string>>[] = [
      { trello: { appSecret: 'app-secret' } },
      { trello: { appSecret: 'app-secret', callbackUrl: 'placeholder-from-deploy' } },
    ];
    for (const secrets of cases) {
      const { deps } = setup(secrets);
      const res = await ingest(
        { provider: 'trello', method: 'POST', headers: signed.headers, rawBody: Buffer.from(body), url: REQUEST_URL },
        deps,
      );
      expect(res.statusCode).toBe(200);
    }
  });

  it('verifies Trello against the configured callback URL when one is set (custom domain)', async () => {
    const body = JSON.stringify(TRELLO_VOTE_ON_CARD);
    const registered = 'https://hooks.example.com/trello';
    const { deps } = setup({ trello: { appSecret: 'app-secret', callbackUrl: registered } });
    const ok = signAs('trello', body, 'app-secret', { url: registered });
    expect(
      (
        await ingest(
          { provider: 'trello', method: 'POST', headers: ok.headers, rawBody: Buffer.from(body), url: REQUEST_URL },
          deps,
        )
      ).statusCode,
    ).toBe(200);
    const other = signAs('trello', body, 'app-secret', { url: REQUEST_URL });
    expect(
      (
        await ingest(
          { provider: 'trello', method: 'POST', headers: other.headers, rawBody: Buffer.from(body), url: REQUEST_URL },
          deps,
        )
      ).statusCode,
    ).toBe(401);
  });

  it('re-reads a callback URL changed since it was cached when a signature does not match (Trello signs it)', async () => {
    const body = JSON.stringify(TRELLO_VOTE_ON_CARD);
    const moved = 'https://hooks.example.com/trello';
    const { deps, queue } = setup({});
    const refreshed: string[] = [];
    const secrets = {
      get: async (_p: string, name: string) => (name === 'appSecret' ? 'app-secret' : 'https://old.example.com/trello'),
      refresh: async (_p: string, name: string) => {
        refreshed.push(name);
        return name === 'callbackUrl' ? moved : undefined;
      },
    };
    const request = (url: string) => ({
      provider: 'trello',
      method: 'POST',
      headers: signAs('trello', body, 'app-secret', { url }).headers,
      rawBody: Buffer.from(body),
      url: REQUEST_URL,
    });
    expect((await ingest(request(moved), { ...deps, secrets })).statusCode).toBe(200);
    expect(refreshed).toEqual(['appSecret', 'callbackUrl']);
    expect(queue.messages).toHaveLength(1);
    // Signed over any other URL, it is still refused.
    expect((await ingest(request('https://attacker.example.com/trello'), { ...deps, secrets })).statusCode).toBe(401);
  });

  it('answers a verified Slack url_verification directly, without queueing or counting it as received', async () => {
    const { deps, queue, telemetry } = setup({ slack: { signingSecret: 'signing-secret' } });
    const body = JSON.stringify(SLACK_URL_VERIFICATION);
    const signed = signAs('slack', body, 'signing-secret', { now: NOW });
    const res = await ingest(
      { provider: 'slack', method: 'POST', headers: signed.headers, rawBody: Buffer.from(body) },
      deps,
    );
    expect(res).toMatchObject({
      statusCode: 200,
      body: JSON.stringify({ challenge: SLACK_URL_VERIFICATION.challenge }),
    });
    expect(queue.messages).toHaveLength(0);
    expect(telemetry.count('WebhooksReceived', { provider: 'slack' })).toBe(0);
  });
});
