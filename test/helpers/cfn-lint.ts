import { execFile, execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { stageConfig, type StageName } from '../../lib/stages';

/** Where the linter's settings live: the regions and the ignored rules, each with its reason. */
export const CFN_LINT_RC = fileURLToPath(new URL('../../.cfnlintrc', import.meta.url));
/** What .ci/run prints, and the test fails with, when cfn-lint is not installed; the workflow installs the same pin. */
export const CFN_LINT_MISSING = 'cfn-lint 1.x (AWS CloudFormation Linter) is missing: pip install cfn-lint==1.51.*';

/** One finding of `cfn-lint --format json`. */
export interface CfnLintFinding {
  Rule: { Id: string };
  Level: 'Error' | 'Warning' | 'Informational';
  Message: string;
  Filename: string;
  Location: { Path: (string | number)[] };
}

/**
 * The installed cfn-lint's version; throws {@link CFN_LINT_MISSING} without a 1.x on the PATH.
 *
 * @example
 * requireCfnLint(); // '1.51.0'
 */
export function requireCfnLint(): string {
  let printed = '';
  try {
    printed = execFileSync('cfn-lint', ['--version'], { encoding: 'utf8', stdio: 'pipe' }).trim();
  } catch {
    throw new Error(CFN_LINT_MISSING);
  }
  const version = /^cfn-lint (1\.\d+\.\d+)$/.exec(printed)?.[1];
  if (!version) throw new Error(`${CFN_LINT_MISSING} (found "${printed}")`);
  return version;
}

/** The regions a stage is linted for: its own when lib/stages.ts pins one, else .cfnlintrc's. */
export function lintRegions(stage: StageName): string[] {
  const pinned = stageConfig(stage).region;
  if (pinned) return [pinned];
  const rc = parse(readFileSync(CFN_LINT_RC, 'utf8')) as { regions?: string[] };
  if (!rc.regions?.length) throw new Error(`${CFN_LINT_RC} names no regions`);
  return rc.regions;
}

/**
 * cfn-lint over some templates in one process, with .cfnlintrc's ignores and explicit regions (else AWS_REGION
 * would choose them); resolves to every finding, rejects when cfn-lint itself fails.
 *
 * @example
 * await runCfnLint(synthTemplates('dev', dir), lintRegions('dev')); // [] when clean (synthTemplates: stage-stacks.ts)
 */
export function runCfnLint(templates: string[], regions: string[]): Promise<CfnLintFinding[]> {
  // Several-valued options end with `--`, or they would swallow the templates.
  const args = ['--format', 'json', '--config-file', CFN_LINT_RC, '--regions', ...regions, '--', ...templates];
  return new Promise((resolve, reject) => {
    execFile('cfn-lint', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      // The exit code is a bitmask: 2 errors, 4 warnings, 8 informational; anything else is cfn-lint failing.
      const code = typeof error?.code === 'number' ? error.code : error ? -1 : 0;
      if ((code & ~14) !== 0) return reject(new Error(`cfn-lint exited ${code}: ${stderr || stdout}`));
      resolve(JSON.parse(stdout) as CfnLintFinding[]);
    });
  });
}

/** Templates to lint in the same regions. */
export interface LintJob {
  templates: string[];
  regions: string[];
}

/**
 * Every job's templates, in as many cfn-lint processes at once as there are cores (its rules are CPU-bound, and a
 * process takes ~1.4 s CPU to start), the templates shared out by size; resolves to every finding.
 *
 * @example
 * await lintAll([{ templates: synthTemplates('dev', dir), regions: lintRegions('dev') }]); // [] when clean
 */
export async function lintAll(jobs: LintJob[], processes = availableParallelism()): Promise<CfnLintFinding[]> {
  const byRegions = new Map<string, string[]>();
  for (const { templates, regions } of jobs)
    byRegions.set(regions.join(' '), [...(byRegions.get(regions.join(' ')) ?? []), ...templates]);
  const runs = [...byRegions].flatMap(([regions, templates]) =>
    shareOut(templates, processes).map((chunk) => runCfnLint(chunk, regions.split(' '))),
  );
  return (await Promise.all(runs)).flat();
}

/** Splits files into at most `n` groups of about equal bytes (largest first, each to the lightest group). */
function shareOut(files: string[], n: number): string[][] {
  const groups = Array.from({ length: Math.min(n, files.length) }, () => ({ bytes: 0, files: [] as string[] }));
  const sized = files.map((f) => ({ f, bytes: statSync(f).size })).sort((a, b) => b.bytes - a.bytes);
  for (const { f, bytes } of sized) {
    const lightest = groups.reduce((a, b) => (b.bytes < a.bytes ? b : a));
    lightest.files.push(f);
    lightest.bytes += bytes;
  }
  return groups.map((g) => g.files);
}

/** A finding in one line: `IntegrationStack-dev.template.json E3012 Resources/Queue/Properties/X: message`. */
export const describeFinding = (f: CfnLintFinding): string =>
  `${f.Filename.split('/').pop()} ${f.Rule.Id} ${f.Location.Path.join('/')}: ${f.Message}`;

/** Every template in a cloud assembly, nested stacks' (`*.nested.template.json`) and nested assemblies' included. */
export function templatesIn(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.template.json'))
    .map((f) => join(dir, f))
    .sort();
}
