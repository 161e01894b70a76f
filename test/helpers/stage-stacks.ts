import { readFileSync } from 'node:fs';
import { App, CfnElement, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { providers } from '../../lambdas/providers';
import { IntegrationStack } from '../../lib/integration-stack';
import { addSecurityChecks } from '../../lib/security-checks';
import { addStageStack } from '../../lib/stage-app';
import { parseStage, stackName, stageConfig, stageInput, type StageInput, type StageName } from '../../lib/stages';
import { templatesIn } from './cfn-lint';

/** cdk.json's context: the feature flags `cdk synth` applies (minimized policies among them). */
const CDK_CONTEXT = (
  JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }
).context;

export interface StageSynth {
  app: App;
  stack: IntegrationStack;
  template: Template;
  /** The template's resources by logical id. */
  resources: Record<string, CfnResourceJson>;
  /** The logical id of a construct (or of its default child, for L2 constructs). */
  idOf(construct: IConstruct): string;
  /** The construct path of a resource, by logical id (`IntegrationStack-dev/Webhook-github/Queue/Resource`). */
  pathOf(logicalId: string): string;
}

export interface CfnResourceJson {
  Type: string;
  Properties: Record<string, any>;
  DeletionPolicy?: string;
}

export interface SynthOptions {
  /** Adds constructs before synthesis, as another integration would. */
  extend?(stack: IntegrationStack): void;
  /** false: the stack without the app's cdk-nag checks (which fail the synth of a deliberately bad stack). */
  nag?: boolean;
  /** More `-c key=value` context, as `cdk synth` takes it (`oncallEmails`, ...). */
  context?: Record<string, unknown>;
  /** Changes to the stage file's settings, as another stage file would make them. */
  stage?: Partial<StageInput>;
}

/**
 * One stage's stack as `cdk synth -c stage=<name>` makes it: bin/app.ts's code (addStageStack, with cdk-nag
 * registered), cdk.json's feature flags, no bundling (test/infra/synth.slow.test.ts bundles for real).
 *
 * @example
 * const dev = synthStage('dev');
 * dev.resources[dev.idOf(dev.stack.blobs.bucket)]!.Properties.BucketEncryption
 */
export function synthStage(name: StageName, opts: SynthOptions = {}): StageSynth {
  // CDK's built-in CloudFormation schema validation runs in synth.slow.test.ts's real `cdk synth`; here it costs ~20 s per file.
  const app = new App({
    builtinCloudFormationValidation: false,
    context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [], stage: name, ...opts.context },
  });
  const stage = opts.stage ? parseStage({ ...stageInput(name), ...opts.stage }) : stageConfig(name);
  if (opts.nag !== false) addSecurityChecks(app);
  const stack =
    opts.nag === false || opts.stage
      ? new IntegrationStack(app, stackName(name), { providers, stage })
      : addStageStack(app, {});
  opts.extend?.(stack);
  const template = Template.fromStack(stack);
  const resources = (template.toJSON() as { Resources: Record<string, CfnResourceJson> }).Resources;
  const paths = new Map<string, string>();
  for (const c of stack.node.findAll()) {
    if (c instanceof CfnElement) paths.set(logicalId(stack, c), c.node.path);
  }
  return {
    app,
    stack,
    template,
    resources,
    idOf: (construct) => {
      const element = construct instanceof CfnElement ? construct : construct.node.defaultChild;
      if (!(element instanceof CfnElement)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
      return logicalId(stack, element);
    },
    pathOf: (id) => paths.get(id) ?? '',
  };
}

const logicalId = (stack: Stack, element: CfnElement): string => stack.resolve(element.logicalId) as string;

/** Resources of one type, as `[logicalId, resource]`. */
export const ofType = (s: StageSynth, type: string): [string, CfnResourceJson][] =>
  Object.entries(s.resources).filter(([, r]) => r.Type === type);

/** A reference as text, the way cdk-nag names findings: `<Id.Arn>/payloads/github/*`, `<Id>`, `*`. */
export function render(value: unknown): string {
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (value && typeof value === 'object') {
    const v = value as Record<string, any>;
    if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map(render).join(v['Fn::Join'][0]);
    if (v['Fn::GetAtt']) return `<${v['Fn::GetAtt'][0]}.${v['Fn::GetAtt'][1]}>`;
    if (v.Ref !== undefined) return `<${v.Ref}>`;
    if (v['Fn::Sub'] !== undefined) return render(v['Fn::Sub']);
  }
  return JSON.stringify(value);
}

/** `[value].flat()` for the string-or-array fields of policies. */
export const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** An App as `cdk synth -c stage=<name>` makes it: cdk.json's flags, the CLI's metadata, no bundling. */
export function cliApp(stage: string, outdir: string): App {
  return new App({
    outdir,
    // CDK's built-in schema check costs ~20 s a stage; cfn-lint is the check here (synth.slow.test.ts runs CDK's).
    builtinCloudFormationValidation: false,
    context: {
      ...CDK_CONTEXT,
      'aws:cdk:enable-path-metadata': true,
      'aws:cdk:enable-asset-metadata': true,
      'aws:cdk:version-reporting': true,
      'aws:cdk:bundling-stacks': [],
      stage,
    },
  });
}

/**
 * A stage's CloudFormation templates as `cdk synth -c stage=<name>` writes them (bin/app.ts's code, cdk.json's
 * flags, the CLI's metadata), written to `outdir`; returns their paths. Lambda code is not bundled, so only
 * asset hashes differ. With no region in the stage file the stack is environment-agnostic: `cdk synth` writes
 * its profile's region where this template has `Ref AWS::Region`, which is why one template stands for every
 * region it is linted for.
 *
 * @example
 * synthTemplates('prod', '/tmp/lint/prod'); // ['/tmp/lint/prod/IntegrationStack-prod.template.json']
 */
export function synthTemplates(stage: StageName, outdir: string): string[] {
  const app = cliApp(stage, outdir);
  addStageStack(app, {});
  app.synth();
  return templatesIn(outdir);
}
