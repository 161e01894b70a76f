import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = process.cwd();
const CONFIG = '.dependency-cruiser.cjs';
const SOURCES = ['lambdas', 'lib'];

/** The layer rules' violations in a tree, as `rule: from -> to` (what `npm run deps` checks, in process). */
async function violations(baseDir: string): Promise<string[]> {
  const options = await extractDepcruiseOptions(join(baseDir, CONFIG));
  const tsConfig = extractTSConfig(join(baseDir, 'tsconfig.json'));
  const { output } = await cruise(SOURCES, { ...options, baseDir }, {}, { tsConfig });
  return (output as ICruiseResult).summary.violations
    .map((v) => `${v.rule.name}: ${v.from} -> ${v.to.replace(/^.*node_modules\/(@aws-sdk\/[^/]+)\/.*$/, '$1')}`)
    .sort();
}

// A copy of the checked trees and their configs, to plant violations in (node_modules linked, not copied).
let copy: string;
beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'dependency-rules-'));
  for (const file of [...SOURCES, 'tsconfig.json', 'biome.json', CONFIG])
    cpSync(join(ROOT, file), join(copy, file), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
});
afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('the layer rules (npm run deps)', () => {
  it('runs in npm test, before vitest, on lambdas/ and lib/ with the checked-in rules', () => {
    const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.deps).toBe(`depcruise ${SOURCES.join(' ')} --config ${CONFIG}`);
    expect(scripts.test).toMatch(/&& npm run deps && .*vitest run$/);
  });

  it('finds no violation in the real tree', async () => {
    expect(await violations(ROOT)).toEqual([]);
  });

  it('fails on each planted violation, and on nothing else', async () => {
    const plant = (file: string, text: string) => writeFileSync(join(copy, file), text);
    plant(
      'lambdas/core/planted.ts',
      "import type { github } from '../providers/github';\nexport type G = typeof github;\n",
    );
    plant('lambdas/core/cycle-a.ts', "import { b } from './cycle-b';\nexport const a = () => b;\n");
    plant('lambdas/core/cycle-b.ts', "import { a } from './cycle-a';\nexport const b = () => a;\n");
    plant(
      'lambdas/handlers/planted.ts',
      "import { SQSClient } from '@aws-sdk/client-sqs';\nimport { handler } from './poller';\nexport const x = [SQSClient, handler];\n",
    );
    plant(
      'lib/planted.ts',
      "import { archiveKey } from '../lambdas/core/archive';\nimport { handler } from '../lambdas/handlers/poller';\nexport const x = [archiveKey, handler];\n",
    );
    expect(await violations(copy)).toEqual([
      'core-imports-no-outer-layer: lambdas/core/planted.ts -> lambdas/providers/github.ts',
      'handlers-import-no-other-handler: lambdas/handlers/planted.ts -> lambdas/handlers/poller.ts',
      'lib-imports-definitions-and-data-only: lib/planted.ts -> lambdas/core/archive.ts',
      'lib-imports-no-runtime-code: lib/planted.ts -> lambdas/handlers/poller.ts',
      'no-cycles-in-lambdas: lambdas/core/cycle-a.ts -> lambdas/core/cycle-b.ts',
      'only-adapters-import-aws-sdk: lambdas/handlers/planted.ts -> @aws-sdk/client-sqs',
    ]);
  });

  it('keeps process.env out of core: biome noProcessEnv fails there, and only there', () => {
    for (const dir of ['core', 'handlers'])
      writeFileSync(join(copy, `lambdas/${dir}/env.ts`), 'export const x = process.env.X;\n');
    // The biome binary itself, as npm test runs it (no JS API is installed).
    const lint = spawnSync(
      join(ROOT, 'node_modules/.bin/biome'),
      [
        'lint',
        '--vcs-enabled=false',
        '--only=style/noProcessEnv',
        '--reporter=github',
        'lambdas/core/env.ts',
        'lambdas/handlers/env.ts',
      ],
      { cwd: copy, encoding: 'utf8' },
    );
    expect(lint.status).toBe(1);
    expect(
      lint.stdout
        .split('\n')
        .filter((l) => l.startsWith('::error'))
        .map((l) => /file=[^,]*?(lambdas\/[^,]+)/.exec(l)?.[1]),
    ).toEqual(['lambdas/core/env.ts']);
  });
});
