import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVitest, type Vitest } from 'vitest/node';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const testFiles = (readdirSync(join(ROOT, 'test'), { recursive: true }) as string[])
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => `test/${f}`)
  .sort();

let vitest: Vitest;
let byProject: Map<string, string[]>;
beforeAll(async () => {
  vitest = await createVitest('test', { watch: false, root: ROOT });
  byProject = new Map();
  for (const spec of await vitest.globTestSpecifications()) {
    const files = byProject.get(spec.project.name) ?? [];
    files.push(relative(ROOT, spec.moduleId));
    byProject.set(spec.project.name, files);
  }
});
afterAll(() => vitest?.close());

describe('the vitest projects (vitest.config.ts)', () => {
  it('put every test file in exactly one of unit, integration and slow', () => {
    expect([...byProject.keys()].sort()).toEqual(['integration', 'slow', 'unit']);
    expect([...byProject.values()].flat().sort()).toEqual(testFiles);
  });

  it('run test/unit in unit, *.slow and *.browser files in slow, the rest in integration', () => {
    expect(byProject.get('unit')!.every((f) => f.startsWith('test/unit/'))).toBe(true);
    expect(byProject.get('slow')!.every((f) => /\.(slow|browser)\.test\.ts$/.test(f))).toBe(true);
    expect(byProject.get('integration')!.some((f) => /^test\/unit\/|\.(slow|browser)\.test\.ts$/.test(f))).toBe(false);
  });

  it('give unit the shortest timeout and slow the longest, and run slow after the others', () => {
    const config = (name: string) => vitest.projects.find((p) => p.name === name)!.config;
    expect(config('unit').testTimeout).toBeLessThan(config('integration').testTimeout);
    expect(config('integration').testTimeout).toBeLessThan(config('slow').testTimeout);
    expect(config('unit').sequence.groupOrder).toBe(config('integration').sequence.groupOrder);
    expect(config('slow').sequence.groupOrder).toBeGreaterThan(config('integration').sequence.groupOrder);
  });

  it("give every project the bundles' JMESPath alias and the inlined idempotency package it applies inside", () => {
    for (const project of vitest.projects) {
      const aliases = project.vite.config.resolve.alias as { find: unknown; replacement: string }[];
      const jmespath = aliases.find((a) => a.find === '@aws-lambda-powertools/jmespath');
      expect(jmespath?.replacement, project.name).toBe(join(ROOT, 'lambdas/bundle-aliases/jmespath'));
      expect(project.config.server.deps?.inline, project.name).toContain('@aws-lambda-powertools/idempotency');
    }
  });
});
