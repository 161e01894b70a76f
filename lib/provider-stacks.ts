import { CfnResource, NestedStack, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * Resources per stack the plan allows: CloudFormation's limit is 500 per stack and 1 MB of template, and this
 * stack's resources average about 1.7 KB of template, so 430 stays near 750 KB.
 */
export interface StackBudget {
  /** Resources of the base stack: its shared parts and every secret, then providers' integrations in order. */
  base: number;
  /** What the base stack makes after the plan: the records API, the API's alarms, one resource per nested stack. */
  reserve: number;
  /** Resources one nested stack of providers holds at most (one provider alone may exceed it). */
  group: number;
}

/** The budget every stage is planned with: a group well under the limits, so providers that grow a little still fit. */
export const STACK_BUDGET: StackBudget = { base: 430, reserve: 40, group: 300 };

/** Resources `stack` holds so far, its nested stacks' own not counted. */
export function resourcesIn(stack: Stack): number {
  return stack.node.findAll().filter((c) => CfnResource.isCfnResource(c) && Stack.of(c) === stack).length;
}

/** A provider as the plan sees it: its name and what its integrations cost in resources (lib/provider-cost.ts). */
export interface PlannedProvider {
  name: string;
  resources: number;
}

export interface ProviderStackPlan {
  /** Built in the base stack, where a stage that fits has always had them. */
  base: string[];
  /** The providers of each nested stack, in the order they are listed. */
  groups: string[][];
}

/**
 * Which stack builds each provider's integrations: in the order listed, providers go into the base stack while
 * its budget lasts; from the first that does not fit, every later provider goes into nested stacks, each filled
 * in order up to the group budget. Appending a provider never moves one already placed.
 *
 * @example
 * planProviderStacks([{ name: 'github', resources: 48 }, { name: 'acme', resources: 40 }], { base: 50, group: 300 });
 * // { base: ['github'], groups: [['acme']] }
 */
export function planProviderStacks(
  providers: readonly PlannedProvider[],
  budget: { base: number; group: number },
): ProviderStackPlan {
  const plan: ProviderStackPlan = { base: [], groups: [] };
  let baseUsed = 0;
  let groupUsed = 0;
  for (const { name, resources } of providers) {
    if (plan.groups.length === 0 && baseUsed + resources <= budget.base) {
      plan.base.push(name);
      baseUsed += resources;
      continue;
    }
    const current = plan.groups[plan.groups.length - 1];
    if (current && current.length > 0 && groupUsed + resources <= budget.group) {
      current.push(name);
      groupUsed += resources;
    } else {
      plan.groups.push([name]);
      groupUsed = resources;
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
