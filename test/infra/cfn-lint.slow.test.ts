import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, NestedStack, Stack } from 'aws-cdk-lib';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAGE_NAMES, type StageName } from '../../lib/stages';
import {
  type CfnLintFinding,
  describeFinding,
  lintRegions,
  requireCfnLint,
  runCfnLint,
  templatesIn,
} from '../helpers/cfn-lint';
import { synthTemplates } from '../helpers/stage-stacks';

// Fails, never skips, without cfn-lint: .ci/run and the workflow install it, and this message says how.
const VERSION = requireCfnLint();
const out = mkdtempSync(join(tmpdir(), 'cfn-lint-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

type Resources = Record<
  string,
  { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> }
>;

/** A copy of a template with two values no deploy would accept, and the dashboard's E3002 ignore taken off. */
function plantErrors(template: string, copy: string): { queue: string; fn: string; dashboard: string } {
  const json = JSON.parse(readFileSync(template, 'utf8')) as { Resources: Resources };
  const first = (type: string) => {
    const id = Object.keys(json.Resources).find((k) => json.Resources[k]!.Type === type);
    if (!id) throw new Error(`${template} has no ${type}`);
    return id;
  };
  const [queue, fn, dashboard] = ['AWS::SQS::Queue', 'AWS::Lambda::Function', 'AWS::CloudWatch::Dashboard'].map(first);
  json.Resources[queue!]!.Properties.VisibilityTimeout = 'thirty seconds';
  json.Resources[fn!]!.Properties.Timeout = 1200;
  delete json.Resources[dashboard!]!.Metadata?.['cfn-lint'];
  writeFileSync(copy, JSON.stringify(json, null, 1));
  return { queue: queue!, fn: fn!, dashboard: dashboard! };
}

describe(`cfn-lint ${VERSION} over every stage's templates`, () => {
  const templates = {} as Record<StageName, string[]>;
  const lints = {} as Record<StageName, Promise<CfnLintFinding[]>>;
  let planted: { queue: string; fn: string; dashboard: string };
  let plantedLint: Promise<CfnLintFinding[]>;

  beforeAll(() => {
    // One process per stage, all running at once: cfn-lint's rules are CPU-bound, each synth is not.
    for (const stage of STAGE_NAMES) {
      templates[stage] = synthTemplates(stage, join(out, stage));
      lints[stage] = runCfnLint(templates[stage], lintRegions(stage));
      lints[stage].catch(() => undefined);
    }
    const copy = join(out, 'planted.template.json');
    planted = plantErrors(templates.dev[0]!, copy);
    plantedLint = runCfnLint([copy], lintRegions('dev'));
    plantedLint.catch(() => undefined);
  });

  it.each(STAGE_NAMES)('%s: no error and no warning beyond the ignores that carry their reason', async (stage) => {
    expect(templates[stage].map((t) => t.split('/').pop())).toContain(`IntegrationStack-${stage}.template.json`);
    expect((await lints[stage]).map(describeFinding)).toEqual([]);
  });

  it('reports a wrong type and an out-of-range value planted in a copy of a template', async () => {
    const found = (await plantedLint).filter((f) => f.Location.Path[1] !== planted.dashboard);
    expect(found.map((f) => [f.Rule.Id, f.Level, f.Location.Path.join('/')]).sort()).toEqual([
      ['E3012', 'Error', `Resources/${planted.queue}/Properties/VisibilityTimeout`],
      ['E3034', 'Error', `Resources/${planted.fn}/Properties/Timeout`],
    ]);
  });

  it("still needs the dashboard's E3002 ignore: its us-east-1 schema lacks Tags (drop the ignore once it has them)", async () => {
    const found = (await plantedLint).filter((f) => f.Location.Path[1] === planted.dashboard);
    expect(found.map(describeFinding)).toEqual([
      `planted.template.json E3002 Resources/${planted.dashboard}/Properties/Tags: Additional properties are not allowed ('Tags' was unexpected)`,
    ]);
  });

  it("lints every template of the synth's output, nested stacks' included", () => {
    const app = new App({ outdir: join(out, 'nested'), builtinCloudFormationValidation: false });
    const parent = new Stack(app, 'Parent');
    new Topic(new NestedStack(parent, 'Child'), 'Topic');
    app.synth();
    const names = templatesIn(app.outdir).map((t) => t.split('/').pop());
    expect(names).toEqual(['Parent.template.json', expect.stringMatching(/^ParentChild\w+\.nested\.template\.json$/)]);
  });
});
