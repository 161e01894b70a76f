import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalApiGateway } from '../../../local/api-gateway';
import { startAdminApi } from '../../../local/admin-api';
import { LocalQueue } from '../../../local/queue';

describe('local routes with malformed percent-escapes (#16 point 13)', () => {
  const api = new LocalApiGateway();
  const seen: Record<string, string>[] = [];
  let url = '';
  let admin: Awaited<ReturnType<typeof startAdminApi>>;

  beforeAll(async () => {
    api.addRoute('GET', '/records/{provider}/{type}', async (event) => {
      seen.push(event.pathParameters as Record<string, string>);
      return { statusCode: 200, body: '{}' };
    });
    ({ url } = await api.listen(0));
    const queue = () => new LocalQueue({ name: 'q', visibilityTimeoutMs: 1000 });
    admin = await startAdminApi({ queues: { webhooks: { github: { queue: queue(), dlq: queue() } } } });
  });
  afterAll(async () => {
    await api.close();
    await admin.close();
  });

  it('answers 400 for /records/%E0%A4%A/x, as API Gateway does, and never calls the route', async () => {
    const res = await fetch(`${url}/records/%E0%A4%A/x`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ message: 'Bad Request' });
    expect(seen).toEqual([]);
  });

  it('still decodes well-formed escapes', async () => {
    const res = await fetch(`${url}/records/git%68ub/is%20sue`);
    expect(res.status).toBe(200);
    expect(seen).toEqual([{ provider: 'github', type: 'is sue' }]);
  });

  it('answers 400 on the admin API too, and 404 for a provider named like an object property', async () => {
    expect((await fetch(`${admin.url}/_local/queues/%E0%A4%A/dlq`)).status).toBe(400);
    expect((await fetch(`${admin.url}/_local/queues/__proto__/dlq`)).status).toBe(404);
    expect((await fetch(`${admin.url}/_local/queues/github/dlq`)).status).toBe(200);
  });
});
