import { randomBytes, randomUUID } from 'node:crypto';
import { webhookSamples } from '../lambdas/providers';
import type { SampleIds } from '../lambdas/providers/samples';
import type { ProviderDefinition } from '../lambdas/core/provider';
import { signAs, type SignedDelivery } from './sign';

/** Ids from node's crypto: every sample a new event. */
export const randomIds: SampleIds = {
  hex: (n) =>
    randomBytes(Math.ceil(n / 2))
      .toString('hex')
      .slice(0, n),
  uuid: () => randomUUID(),
};

/**
 * A fresh delivery of the provider's documented sample (its file's samples, see lambdas/providers/samples.ts),
 * signed as the provider signs: for `ops send`, the demo and tests.
 *
 * @example
 * const { headers, body } = sampleDelivery(getProvider('stripe')!, secret, { url: `${stack.url}/webhooks/stripe` });
 */
export function sampleDelivery(
  provider: ProviderDefinition,
  secret: string,
  opts: { url: string; now?: Date; ids?: SampleIds },
): SignedDelivery {
  const webhook = provider.webhook;
  if (!webhook) throw new Error(`${provider.name} receives no webhooks`);
  const samples = webhookSamples(provider);
  if (!samples) throw new Error(`${provider.name} has no sample deliveries: export them beside its definition`);
  const now = opts.now ?? new Date();
  const { body, headers } = samples.documented({ now, ids: opts.ids ?? randomIds });
  return signAs(webhook.scheme, body, secret, { now, url: opts.url, headers, hmac: webhook.hmac });
}
