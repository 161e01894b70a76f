import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { App, NestedStack, Stack } from 'aws-cdk-lib';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAGE_NAMES, stackName, type StageName } from '../../lib/stages';
import {
  type CfnLintFinding,
  describeFinding,
  lintRegions,
  requireCfnLint,
  lintAll,
  templatesIn,
} from '../helpers/cfn-lint';
import { synthTemplates } from '../helpers/stage-stacks';

// Fails, never skips, without cfn-lint: .ci/run and the workflow install it, and this message says how.
const VERSION = requireCfnLint();
const out = mkdtempSync(join(tmpdir(), 'cfn-lint-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

interface Template {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> }>;
}
interface Planted {
  file: string;
  id: string;
}

/**
 * Copies of the templates that hold a queue, a function and the dashboard (one template today; nested stacks may
 * split them), with two values no deploy would accept and the dashboard's E3002 ignore taken off.
 */
function plantErrors(
  templates: string[],
  dir: string,
): { copies: string[]; queue: Planted; fn: Planted; dashboard: Planted } {
  const copies = new Map<string, Template>();
  const find = (type: string) => {
    for (const path of templates) {
      const json = copies.get(path) ?? (JSON.parse(readFileSync(path, 'utf8')) as Template);
      const id = Object.keys(json.Resources).find((k) => json.Resources[k]!.Type === type);
      if (!id) continue;
      copies.set(path, json);
      return { file: `planted-${basename(path)}`, id, resource: json.Resources[id]! };
    }
    throw new Error(`no ${type} in ${templates.join(', ')}`);
  };
  const queue = find('AWS::SQS::Queue');
  queue.resource.Properties.VisibilityTimeout = 'thirty seconds';
  const fn = find('AWS::Lambda::Function');
  fn.resource.Properties.Timeout = 1200;
  const dashboard = find('AWS::CloudWatch::Dashboard');
  delete dashboard.resource.Metadata?.['cfn-lint'];
  const written = [...copies].map(([path, json]) => {
    const copy = join(dir, `planted-${basename(path)}`);
    writeFileSync(copy, JSON.stringify(json, null, 1));
    return copy;
  });
  return { copies: written, queue, fn, dashboard };
}

/** Where a finding is: `<file> <rule> Resources/<id>/Properties/<name>`. */
const at = (f: CfnLintFinding) => `${basename(f.Filename)} ${f.Rule.Id} ${f.Location.Path.join('/')}`;
const onDashboard = (f: CfnLintFinding, d: Planted) => basename(f.Filename) === d.file && f.Location.Path[1] === d.id;

describe(`cfn-lint ${VERSION} over every stage's templates`, () => {
  const templates = {} as Record<StageName, string[]>;
  let planted: ReturnType<typeof plantErrors>;
  let findings: CfnLintFinding[];
  const of = (files: string[]) => findings.filter((f) => files.includes(f.Filename));

  // The lint is the test here: the slow project's test timeout, not its hook timeout (meant for a synth alone).
  beforeAll(async () => {
    for (const stage of STAGE_NAMES) templates[stage] = synthTemplates(stage, join(out, stage));
    planted = plantErrors(templates.dev, out);
    findings = await lintAll([
      ...STAGE_NAMES.map((stage) => ({ templates: templates[stage], regions: lintRegions(stage) })),
      { templates: planted.copies, regions: lintRegions('dev') },
    ]);
  }, 240_000);

  it.each(STAGE_NAMES)('%s: no error and no warning beyond the ignores that carry their reason', (stage) => {
    expect(templates[stage].map((t) => basename(t))).toContain(`${stackName(stage)}.template.json`);
    expect(of(templates[stage]).map(describeFinding)).toEqual([]);
  });

  it('reports a wrong type and an out-of-range value planted in a copy of a template', () => {
    const found = of(planted.copies).filter((f) => !onDashboard(f, planted.dashboard));
    expect(found.map((f) => `${f.Level} ${at(f)}`).sort()).toEqual(
      [
        `Error ${planted.queue.file} E3012 Resources/${planted.queue.id}/Properties/VisibilityTimeout`,
        `Error ${planted.fn.file} E3034 Resources/${planted.fn.id}/Properties/Timeout`,
      ].sort(),
    );
  });

  it("still needs the dashboard's E3002 ignore: its us-east-1 schema lacks Tags (drop the ignore once it has them)", () => {
    const found = of(planted.copies).filter((f) => onDashboard(f, planted.dashboard));
    expect(found.map((f) => `${at(f)}: ${f.Message}`)).toEqual([
      `${planted.dashboard.file} E3002 Resources/${planted.dashboard.id}/Properties/Tags: Additional properties are not allowed ('Tags' was unexpected)`,
    ]);
  });

  it("lints every template of the synth's output, nested stacks' included", () => {
    const app = new App({ outdir: join(out, 'nested'), builtinCloudFormationValidation: false });
    const parent = new Stack(app, 'Parent');
    new Topic(new NestedStack(parent, 'Child'), 'Topic');
    app.synth();
    const names = templatesIn(app.outdir).map((t) => basename(t));
    expect(names).toEqual(['Parent.template.json', expect.stringMatching(/^ParentChild\w+\.nested\.template\.json$/)]);
  });
});
