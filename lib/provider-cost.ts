import { ALARM_RULES, type AlarmGroup, type AlarmScope } from '../lambdas/core/alarm-rules';
import type { ProviderDefinition } from '../lambdas/core/provider';
import { requestOperations } from '../lambdas/providers/operations';
import type { StageConfig } from './stages';

/**
 * CloudFormation resources each part of a provider's integrations makes besides alarms, as the constructs in lib/
 * make them. test/infra/provider-stacks.slow.test.ts builds every provider alone in a nested stack and holds
 * providerResources equal to what it counts, so a construct that makes more must say so here.
 */
export const PART_RESOURCES = {
  /**
   * Ingest and processor (function, role, policy, log group each), queue and DLQ with their policies, event source
   * mapping; route, integration, permission.
   */
  webhook: 16,
  /**
   * Accept and writer, command queue and DLQ with their policies, event source mapping; route, integration, permission.
   */
  commands: 16,
  /**
   * Poller (function, role, policy, log group), its async-invoke config, scheduler DLQ and policy, scheduler role and
   * policy.
   */
  poller: 9,
  /**
   * Recovery function (function, role, policy, log group), its async-invoke config, scheduler DLQ and policy, scheduler
   * role and policy.
   */
  recovery: 9,
  /** One EventBridge schedule per poll or recovery. */
  schedule: 1,
  /** The provider's health (composite) alarm. */
  health: 1,
  /** A source-IP allow list's secret. */
  sourceIps: 1,
  /** Its hourly refresh: function, role, policy, log group, scheduler role and policy, schedule. */
  sourceIpsRefresh: 7,
} as const;

/** Alarms one subject of `scope` gets from `group`'s rules: all of them, as a stage may enable any. */
const alarms = (group: AlarmGroup, scope: AlarmScope): number =>
  ALARM_RULES.filter((r) => r.group === group && r.scope === scope).length;

/** Errors and throttles of one function. */
const functionAlarms = (): number => alarms('platform', 'function');

/**
 * What one provider's integrations make in CloudFormation resources, alarms included, in a stage: the cost the
 * stack plans its nested stacks with (lib/provider-stacks.ts). Its secrets are left out: they stay in the base
 * stack, which counts them as made.
 *
 * @example
 * providerResources(github, stageConfig('prod')); // 32
 */
export function providerResources(provider: ProviderDefinition, stage: StageConfig): number {
  let n = PART_RESOURCES.health + alarms('client', 'provider');
  n += alarms('client', 'operation') * requestOperations(provider).length;
  if (provider.webhook) {
    n += PART_RESOURCES.webhook + alarms('webhook', 'provider') + alarms('webhook', 'queue');
    n += alarms('webhook', 'route') + 2 * functionAlarms();
    const sourceIps = stage.webhooks[provider.name]?.sourceIps;
    if (sourceIps) n += PART_RESOURCES.sourceIps;
    if (sourceIps === 'published') n += PART_RESOURCES.sourceIpsRefresh + functionAlarms();
  }
  const polls = provider.polls?.length ?? 0;
  if (polls > 0) {
    n += PART_RESOURCES.poller + alarms('sync', 'provider') + functionAlarms();
    n += polls * (PART_RESOURCES.schedule + alarms('sync', 'queue'));
  }
  const recoveries = provider.recover?.length ?? 0;
  if (recoveries > 0) {
    n += PART_RESOURCES.recovery + functionAlarms() + (polls > 0 ? 0 : alarms('sync', 'provider'));
    n += recoveries * (PART_RESOURCES.schedule + alarms('sync', 'queue'));
  }
  if (provider.writes) n += PART_RESOURCES.commands + alarms('writes', 'provider') + alarms('writes', 'queue');
  if (provider.writes) n += 2 * functionAlarms();
  return n;
}
