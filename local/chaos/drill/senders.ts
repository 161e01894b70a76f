import { webhookSamples } from '../../../lambdas/providers';
import type { ProviderDefinition } from '../../../lambdas/core/provider';
import { secretValues } from '../../../lambdas/core/secret-values';
import { TRELLO_VOTE_ON_CARD } from '../../../lambdas/providers/trello';
import type { FileSecretStore } from '../../secrets';
import { RETRY_SCHEDULES, type SenderTarget, WebhookSender } from '../../simulators/sender';
import type { Timeline } from '../../simulators/timeline';
import type { TrelloAction } from '../../simulators/trello';
import type { RecoverySimulators } from '../../recovery';
import type { DrillEvent, DrillProvider } from './plan';

/** GitHub's example hook (its sample delivery's repository and hook id): the hook the drill's recovery watches. */
export const DRILL_HOOK = 'Codertocat/Hello-World/292430182';
/** The board of Trello's documented webhook example: its actions land there. */
export const DRILL_BOARD = TRELLO_VOTE_ON_CARD.model.id;

/** Each provider's sender in the drill: the recovering simulators' own, and two of Slack's and a Svix sender's. */
export type DrillSenders = Record<DrillProvider, WebhookSender>;

/** Every sender posts to the edge (the stack's front door), signed with the provider's current secret. */
export function drillSenders(
  sims: Required<RecoverySimulators>,
  definitions: readonly ProviderDefinition[],
  secrets: FileSecretStore,
  edgeUrl: string,
  timeline: Timeline,
): DrillSenders {
  const senders: DrillSenders = {
    stripe: sims.stripe.events.sender,
    github: sims.github.sender,
    trello: sims.trello.sender,
    shopify: sims.shopify.sender,
    slack: new WebhookSender(timeline, RETRY_SCHEDULES.slack),
    standard: new WebhookSender(timeline, RETRY_SCHEDULES.svix),
  };
  for (const [name, sender] of Object.entries(senders)) {
    const webhook = definitions.find((d) => d.name === name)!.webhook!;
    const target: SenderTarget = {
      url: `${edgeUrl}/webhooks/${name}`,
      scheme: webhook.scheme,
      hmac: webhook.hmac,
      secret: async () => secretValues(await secrets.get(name, webhook.secret))[0] ?? '',
    };
    sender.target = target;
  }
  sims.trello.boards.set(DRILL_BOARD, {
    id: DRILL_BOARD,
    name: TRELLO_VOTE_ON_CARD.model.name,
    closed: false,
    url: TRELLO_VOTE_ON_CARD.model.url,
  });
  return senders;
}

/**
 * Has a provider emit one event now, as it would: recorded in its simulator's log (Stripe's events, GitHub's
 * deliveries, Trello's board actions, Shopify's resources) and sent to the edge on its schedule; Slack and the
 * Svix sender only send.
 *
 * @example
 * time.schedule(e.version, () => emit(e, sims, senders, definitions));
 */
export function emit(
  e: DrillEvent,
  sims: Required<RecoverySimulators>,
  senders: DrillSenders,
  definitions: readonly ProviderDefinition[],
): void {
  const d = webhookSamples(definitions.find((p) => p.name === e.provider)!)!.event(e);
  switch (e.provider) {
    case 'stripe':
      sims.stripe.events.emit(JSON.parse(d.body));
      return;
    case 'github':
      sims.github.emit(DRILL_HOOK, d);
      return;
    case 'trello':
      sims.trello.recordAction((JSON.parse(d.body) as { action: TrelloAction }).action);
      return;
    case 'shopify': {
      // An order of today: Shopify lists orders created in the last 60 days only (without read_all_orders).
      const raw = d.body.replaceAll(
        '"created_at":"2021-12-31T19:00:00-05:00"',
        `"created_at":"${new Date(e.version).toISOString()}"`,
      );
      sims.shopify.upsert('orders', raw, 'orders/updated', d.headers);
      return;
    }
    case 'slack':
      senders.slack.deliver(
        { id: e.eventId, body: d.body, headers: d.headers },
        { retryHeaders: (n) => ({ 'x-slack-retry-num': String(n), 'x-slack-retry-reason': 'http_error' }) },
      );
      return;
    case 'standard':
      senders.standard.deliver({ id: e.eventId, body: d.body, headers: d.headers });
  }
}
