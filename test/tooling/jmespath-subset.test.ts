import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PowertoolsFunctions } from '../../lambdas/bundle-aliases/jmespath/functions';
import { JMESPathError, search } from '../../lambdas/bundle-aliases/jmespath';

// Powertools' own engine, as idempotency depends on it (the alias applies only to the bare specifier).
const fromIdempotency = createRequire(
  join(process.cwd(), 'node_modules', '@aws-lambda-powertools', 'idempotency', 'package.json'),
);
const real = (await import(pathToFileURL(fromIdempotency.resolve('@aws-lambda-powertools/jmespath')).href)) as {
  search(e: string, d: unknown): unknown;
};

// Object.prototype's names left out: Powertools' parser cache (a plain object) trips over them ("search is not a function").
const identifier = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/).filter((n) => !(n in Object.prototype));
const json = fc.jsonValue({ maxDepth: 2 });

describe('the JMESPath subset Lambda bundles carry', () => {
  it('answers a bare field name as Powertools JMESPath does, for any data', () => {
    fc.assert(
      fc.property(identifier, fc.oneof(json, fc.dictionary(identifier, json)), fc.option(json), (name, data, value) => {
        const subject =
          value === null || typeof data !== 'object' || data === null || Array.isArray(data)
            ? data
            : { ...data, [name]: value };
        expect(search(name, subject)).toStrictEqual(real.search(name, subject));
      }),
    );
    expect(search('idempotencyKey', { idempotencyKey: 'k', inputHash: 'h' })).toBe(
      real.search('idempotencyKey', { idempotencyKey: 'k', inputHash: 'h' }),
    );
  });

  it('fails loudly on anything else, naming the expression', () => {
    for (const expression of ['a.b', 'items[0].id', 'powertools_json(body)', '"quoted"', '', '@']) {
      expect(() => search(expression, { a: { b: 1 } })).toThrow(JMESPathError);
      if (expression) expect(() => search(expression, {})).toThrow(expression);
    }
  });

  it('is what Powertools idempotency imports in the tests, as in the bundles', () => {
    expect(new IdempotencyConfig({}).jmesPathOptions.customFunctions).toBeInstanceOf(PowertoolsFunctions);
  });

  it('covers every JMESPath expression the Lambda code configures', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
    const expressions = files('lambdas')
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/JmesPath:\s*['"`]([^'"`]*)['"`]/g)].map((m) => m[1]!));
    expect(expressions.length).toBeGreaterThan(0);
    for (const e of expressions) expect(() => search(e, {})).not.toThrow();
  });
});
