import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, Stack } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderDefinition } from '../../lambdas/core/provider';
import { providers } from '../../lambdas/providers';
import { football } from '../../lambdas/providers/football';
import { standardWebhooks } from '../../lambdas/providers/standard';
import { stripe } from '../../lambdas/providers/stripe';
import { IntegrationStack } from '../../lib/integration-stack';
import { providerResources } from '../../lib/provider-cost';
import { STACK_BUDGET, type StackBudget } from '../../lib/provider-stacks';
import { addSecurityChecks } from '../../lib/security-checks';
import { parseStage, stackName, stageInput } from '../../lib/stages';
import { templatesIn } from '../helpers/cfn-lint';
import { cliApp } from '../helpers/stage-stacks';

/** CloudFormation's quotas, with the margin the issue asks for on resources and bytes. */
const LIMITS = { resources: 450, bytes: 900 * 1024, outputs: 200, parameters: 200, mappings: 200, tree: 2_500 };

const pad = (i: number) => String(i).padStart(2, '0');

/** What a platform team connects: 40 Standard Webhooks senders, 10 polled APIs and 10 write-only APIs, after today's. */
function generatedProviders(): ProviderDefinition[] {
  return [
    ...providers,
    ...Array.from({ length: 40 }, (_, i) => standardWebhooks({ name: `hooks${pad(i)}`, displayName: `Hooks ${i}` })),
    ...Array.from({ length: 10 }, (_, i) => ({ ...football, name: `poll${pad(i)}`, displayName: `Poll ${i}` })),
    ...Array.from({ length: 10 }, (_, i) => ({
      ...stripe,
      webhook: undefined,
      recover: undefined,
      name: `writes${pad(i)}`,
      displayName: `Writes ${i}`,
    })),
  ];
}

interface Template {
  Description?: string;
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: string | string[] }>;
  Outputs?: Record<string, unknown>;
  Parameters?: Record<string, unknown>;
  Mappings?: Record<string, unknown>;
}

interface Synth {
  app: App;
  stack: IntegrationStack;
  /** Every template written, by file name, with its size on disk (what CloudFormation is handed). */
  templates: Record<string, { template: Template; bytes: number }>;
}

/** The prod stage with `list`, as `cdk synth -c stage=prod` writes it (no bundling), cdk-nag registered. */
function synth(outdir: string, list: readonly ProviderDefinition[], stackBudget?: StackBudget): Synth {
  const app = cliApp('prod', outdir);
  addSecurityChecks(app);
  // An allow list on one webhook provider of each kind, so the plan counts the stage's route options too.
  // The default base budget (430), not the one that keeps today's prod in one stack.
  const stage = parseStage({
    ...stageInput('prod'),
    stackBaseBudget: undefined,
    webhooks: { github: { sourceIps: 'published' }, hooks39: { sourceIps: 'manual' } },
  });
  const stack = new IntegrationStack(app, stackName('prod'), { providers: list, stage, stackBudget });
  app.synth();
  const templates = Object.fromEntries(
    templatesIn(outdir).map((file) => [
      file.slice(outdir.length + 1),
      { template: JSON.parse(readFileSync(file, 'utf8')) as Template, bytes: statSync(file).size },
    ]),
  );
  return { app, stack, templates };
}

/** The resources a value refers to: Ref, Fn::GetAtt and Fn::Sub names (pseudo parameters left out). */
function referencesIn(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) referencesIn(v, out);
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'Ref' && typeof v === 'string') out.add(v);
      else if (key === 'Fn::GetAtt') out.add(Array.isArray(v) ? String(v[0]) : String(v).split('.')[0]!);
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(v) ? v[0] : v;
        for (const m of String(text).matchAll(/\$\{([^}.!]+)[^}]*\}/g)) out.add(m[1]!);
        referencesIn(Array.isArray(v) ? v[1] : undefined, out);
      } else referencesIn(v, out);
    }
  }
  return out;
}

/**
 * A dependency cycle among a template's resources, as CloudFormation would refuse it, or undefined. A nested stack is
 * one resource of its parent: its Parameters' references are its dependencies on the parent, and a parent resource
 * reading `Outputs.X` of it depends on it, so a base resource that a nested stack reads and that reads the nested
 * stack is a cycle here.
 */
function cycleIn(template: Template): string[] | undefined {
  const ids = new Set(Object.keys(template.Resources));
  const edges = new Map<string, string[]>();
  for (const [id, r] of Object.entries(template.Resources)) {
    const deps = referencesIn(r.Properties);
    for (const d of [r.DependsOn ?? []].flat()) deps.add(d);
    edges.set(
      id,
      [...deps].filter((d) => ids.has(d)),
    );
  }
  const state = new Map<string, 'open' | 'done'>();
  const visit = (id: string, path: string[]): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'open') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'open');
    for (const next of edges.get(id) ?? []) {
      const cycle = visit(next, [...path, id]);
      if (cycle) return cycle;
    }
    state.set(id, 'done');
    return undefined;
  };
  for (const id of ids) {
    const cycle = visit(id, []);
    if (cycle) return cycle;
  }
  return undefined;
}

const NESTED = 'AWS::CloudFormation::Stack';
const SECRET = 'AWS::SecretsManager::Secret';
/** Made once per stack, whoever is in it: a dashboard per ten providers, CDK's version metadata. */
const PER_STACK = ['AWS::CloudWatch::Dashboard', 'AWS::CDK::Metadata'];
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'provider-stacks-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('forty webhook, ten poll and ten write providers in one prod stage', () => {
  let s: Synth;
  beforeAll(() => {
    s = synth(tempDir(), generatedProviders());
  });

  it('split into the base stack and nested stacks of providers, in list order', () => {
    const plan = s.stack.providerStacks.plan;
    // The default budget (430) keeps today's first providers in the base; the rest follow in list order.
    expect(plan.base).toEqual(
      generatedProviders()
        .slice(0, plan.base.length)
        .map((p) => p.name),
    );
    expect(plan.base.length).toBeGreaterThanOrEqual(5);
    expect(plan.groups.length).toBeGreaterThan(1);
    expect([...plan.base, ...plan.groups.flat()]).toEqual(generatedProviders().map((p) => p.name));
    const nested = Object.keys(s.templates).filter((f) => f.endsWith('.nested.template.json'));
    expect(nested).toHaveLength(plan.groups.length);
  });

  it('keeps every stack and nested stack within CloudFormation’s limits, with room to spare', () => {
    let tree = 0;
    for (const [file, { template, bytes }] of Object.entries(s.templates)) {
      const resources = Object.keys(template.Resources).length;
      tree += resources;
      expect(resources, `${file}: resources`).toBeLessThan(LIMITS.resources);
      expect(bytes, `${file}: bytes`).toBeLessThan(LIMITS.bytes);
      expect(Object.keys(template.Outputs ?? {}).length, `${file}: outputs`).toBeLessThan(LIMITS.outputs);
      expect(Object.keys(template.Parameters ?? {}).length, `${file}: parameters`).toBeLessThan(LIMITS.parameters);
      expect(Object.keys(template.Mappings ?? {}).length, `${file}: mappings`).toBeLessThan(LIMITS.mappings);
    }
    // One deploy creates or updates at most 2,500 resources across a root stack and its nested stacks.
    expect(tree).toBeLessThan(LIMITS.tree);
  });

  it('has no cross-stack reference cycle: no base resource both feeds a nested stack and reads it', () => {
    for (const [file, { template }] of Object.entries(s.templates)) expect(cycleIn(template), file).toBeUndefined();
    const base = s.templates[`${stackName('prod')}.template.json`]!.template;
    const nested = Object.entries(base.Resources).filter(([, r]) => r.Type === NESTED);
    // The graph has both directions, so an acyclic result means something: nested stacks read the base...
    for (const [id, r] of nested)
      expect(referencesIn((r.Properties as { Parameters?: unknown }).Parameters).size, id).toBeGreaterThan(0);
    // ...and the base reads them (outputs, dashboards, route settings).
    const readers = Object.values(base.Resources).filter((r) =>
      nested.some(([id]) => referencesIn(r.Properties).has(id) || [r.DependsOn ?? []].flat().includes(id)),
    );
    expect(readers.length).toBeGreaterThan(0);
  });

  it('keeps the secrets of the first providers listed, and every provider output, in the base stack', () => {
    const base = s.templates[`${stackName('prod')}.template.json`]!.template;
    const secrets = (t: Template) => Object.keys(t.Resources).filter((id) => t.Resources[id]!.Type === SECRET);
    const plan = s.stack.providerStacks.plan;
    // The base keeps the secrets of the providers it holds and of a few after them, not of every provider.
    expect(secrets(base).length).toBeLessThan(generatedProviders().reduce((n, p) => n + p.secrets.length, 0));
    expect(secrets(base).length).toBeGreaterThanOrEqual(
      plan.base.reduce((n, name) => n + Object.keys(s.stack.secrets[name]!).length, 0),
    );
    for (const name of s.stack.providerStacks.plan.base)
      for (const secret of Object.values(s.stack.secrets[name]!)) expect(Stack.of(secret), name).toBe(s.stack);
    // Past the allowance, a provider's secrets are made in its own nested stack, never moved there.
    const last = generatedProviders().at(-1)!.name;
    expect(Stack.of(Object.values(s.stack.secrets[last]!)[0]!)).not.toBe(s.stack);
    for (const p of generatedProviders()) {
      const id = p.name.replace(/[^A-Za-z0-9]/g, '');
      if (p.webhook) expect(Object.keys(base.Outputs ?? {})).toEqual(expect.arrayContaining([`WebhookUrl${id}`]));
      if (p.writes) expect(Object.keys(base.Outputs ?? {})).toEqual(expect.arrayContaining([`CommandUrl${id}`]));
    }
  });

  it('passes cdk-nag’s AwsSolutions, Serverless and NIST 800-53 R5 packs with zero findings', () => {
    const findings = addSecurityChecks(s.app)
      .flatMap((pack) => pack.validateScope(s.app).violations)
      .map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    expect(findings).toEqual([]);
  });
});

describe('the cost the plan counts per provider', () => {
  it('is what each provider makes, built alone in a nested stack', () => {
    const list = [...providers, ...generatedProviders().filter((p) => /^(hooks39|poll00|writes00)$/.test(p.name))];
    const s = synth(tempDir(), list, { ...STACK_BUDGET, base: 0, group: 1 });
    const stage = s.stack.stage.config;
    for (const { template } of Object.values(s.templates)) {
      const name = template.Description?.replace(/^Integrations of /, '');
      const provider = list.find((p) => p.name === name);
      if (!provider) continue;
      // Secrets are planned apart (the base keeps them while it can), so they are left out here, except an allow
      // list's secret, which the provider's cost counts wherever it is made.
      const made = Object.values(template.Resources).filter(
        (r) => !PER_STACK.includes(r.Type) && r.Type !== 'AWS::SecretsManager::Secret',
      ).length;
      const inBase = stage.webhooks[provider.name]?.sourceIps ? 1 : 0;
      expect(made + inBase, provider.name).toBe(providerResources(provider, stage));
    }
  });
});

describe('the cycle check itself', () => {
  it('finds a base resource that a nested stack reads and that depends on it', () => {
    const template: Template = {
      Resources: {
        Topic: { Type: 'AWS::SNS::Topic', DependsOn: 'Providers' },
        Providers: { Type: NESTED, Properties: { Parameters: { topic: { Ref: 'Topic' } } } },
      },
    };
    expect(cycleIn(template)).toEqual(['Topic', 'Providers', 'Topic']);
  });
});
