import { CfnResource, NestedStack, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * What the plan allows per stack: CloudFormation's limit is 500 resources per stack and 1 MB of template, and this
 * stack's resources average about 1.7 KB of template.
 */
export interface StackBudget {
  /**
   * Resources of the base stack (shared parts, secrets, then providers' integrations in order) before providers spill.
   */
  base: number;
  /** What the base stack makes after the plan: the records API, the change events, the API's alarms, CDK's metadata. */
  reserve: number;
  /**
   * Running cost of providers (integrations and secrets, in list order) whose secrets the base stack keeps: those it
   * can hold and a few after them, so a stage that outgrows it keeps those secrets in place; later ones are made
   * in their nested stack.
   */
  secrets: number;
  /** Resources one nested stack of providers holds at most (one provider alone may exceed it). */
  group: number;
}

/**
 * The budget every stage is planned with: providers spill at 430 resources, the few secrets kept after them and
 * one resource per nested stack keep the base under 450; a group stays well under the limits.
 */
export const STACK_BUDGET: StackBudget = { base: 430, reserve: 40, secrets: 500, group: 300 };

/** Resources `stack` holds so far, its nested stacks' own not counted. */
export function resourcesIn(stack: Stack): number {
  return stack.node.findAll().filter((c) => CfnResource.isCfnResource(c) && Stack.of(c) === stack).length;
}

/** A provider as the plan sees it: its name and what its integrations cost in resources (lib/provider-cost.ts). */
export interface PlannedProvider {
  name: string;
  resources: number;
  secrets: number;
  /** Whether its secrets are in the base stack (which it then needs to be in too), else in its nested stack. */
  secretsInBase: boolean;
}

export interface ProviderStackPlan {
  /** Built in the base stack, where a stage that fits has always had them. */
  base: string[];
  /** The providers of each nested stack, in the order they are listed. */
  groups: string[][];
}

/**
 * Which stack builds each provider's integrations: in the order listed, providers go into the base stack while
 * its budget lasts (`used`: what it holds besides secrets; each provider's secrets there count as it comes); from
 * the first that does not fit, every later provider goes into nested stacks, each filled in order up to the group
 * budget. A provider's place depends only on those listed before it, so appending one never moves another.
 *
 * @example
 * const github = { name: 'github', resources: 32, secrets: 1, secretsInBase: true };
 * planProviderStacks([github, { ...github, name: 'acme' }], 40, { base: 80, group: 300 });
 * // { base: ['github'], groups: [['acme']] }
 */
export function planProviderStacks(
  providers: readonly PlannedProvider[],
  used: number,
  budget: { base: number; group: number },
): ProviderStackPlan {
  const plan: ProviderStackPlan = { base: [], groups: [] };
  let baseUsed = used;
  let groupUsed = 0;
  for (const { name, resources, secrets, secretsInBase } of providers) {
    if (secretsInBase) baseUsed += secrets;
    if (plan.groups.length === 0 && secretsInBase && baseUsed + resources <= budget.base) {
      plan.base.push(name);
      baseUsed += resources;
      continue;
    }
    const cost = resources + (secretsInBase ? 0 : secrets);
    const current = plan.groups[plan.groups.length - 1];
    if (current && groupUsed + cost <= budget.group) {
      current.push(name);
      groupUsed += cost;
    } else {
      plan.groups.push([name]);
      groupUsed = cost;
    }
  }
  return plan;
}

/**
 * A nested stack of providers (`Providers-<n>`): their webhook, poll and command constructs under the ids they
 * have in the base stack, and their alarms, health alarms and dashboards under `Observability`. It reads the
 * base stack's shared parts through parameters and is deployed with it, in the same `cdk deploy`.
 */
export class ProviderGroup extends NestedStack {
  /** Where the group's providers' alarms, health alarms and dashboards go. */
  readonly monitoring: Construct;

  constructor(
    scope: Construct,
    id: string,
    readonly providers: readonly string[],
  ) {
    super(scope, id, { description: `Integrations of ${providers.join(', ')}` });
    this.monitoring = new Construct(this, 'Observability');
  }
}

/**
 * The stacks a plan builds providers in: the base stack itself, and one ProviderGroup per group.
 *
 * @example
 * const stacks = new ProviderStacks(stack, planProviderStacks(costs, STACK_BUDGET));
 * new WebhookIntegration(stacks.scopeOf('acme'), 'Webhook-acme', { provider, secrets, shared });
 */
export class ProviderStacks {
  readonly groups: ProviderGroup[];
  private readonly byProvider = new Map<string, ProviderGroup>();

  constructor(
    private readonly base: Stack,
    readonly plan: ProviderStackPlan,
  ) {
    this.groups = plan.groups.map((providers, i) => new ProviderGroup(base, `Providers-${i + 1}`, providers));
    for (const group of this.groups) for (const name of group.providers) this.byProvider.set(name, group);
  }

  /** Where `provider`'s integrations are built: its nested stack, else the base stack. */
  scopeOf(provider: string): Construct {
    return this.byProvider.get(provider) ?? this.base;
  }

  /** Where `provider`'s alarms and dashboard section go: its nested stack's, else undefined (the base's own). */
  monitoringOf(provider: string): Construct | undefined {
    return this.byProvider.get(provider)?.monitoring;
  }
}
