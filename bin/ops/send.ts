import { join } from 'node:path';
import { secretValues } from '../../lambdas/core/secret-values';
import { sampleDelivery } from '../../local/sample-deliveries';
import { FileSecretStore } from '../../local/secrets';
import { UsageError } from '../cli/main';
import type { OpsVerb } from './verb';

export interface SendResult {
  provider: string;
  status: number;
  body: unknown;
}

export const verb: OpsVerb = {
  synopsis: 'send <provider>',
  summary: "send the provider's documented sample webhook, signed as the provider signs",
  localOnly: true,
  run: async (ctx) => {
    const def = ctx.provider(ctx.args[0], 'a provider with webhooks');
    if (!def.webhook) throw new UsageError(`${def.name} receives no webhooks`);
    const { url } = ctx.running();
    const secrets = new FileSecretStore(join(ctx.dataDir, 'secrets.json'));
    // The first value of a rotation list is the one a provider signs with.
    const secret = secretValues(await secrets.get(def.name, def.webhook.secret))[0] ?? '';
    // Signed for the URL as API Gateway hands it to the ingest (https, the Host we send): Trello signs it.
    const signedFor = `https://${new URL(url).host}/webhooks/${def.name}`;
    const { headers, body } = sampleDelivery(def, secret, { url: signedFor });
    const res = await fetch(`${url}/webhooks/${def.name}`, { method: 'POST', headers, body });
    const text = await res.text();
    let answer: unknown = text;
    try {
      answer = JSON.parse(text);
    } catch {
      // API Gateway's own answers may be plain text
    }
    const result: SendResult = { provider: def.name, status: res.status, body: answer };
    ctx.print(result, (r) => `${r.status} ${text}`);
    return res.ok ? 0 : 1;
  },
};
