/**
 * What Lambda bundles get for `@aws-lambda-powertools/jmespath` (an esbuild alias, lib/lambda-function.ts), and
 * what the tests run too (vitest.config.ts): Powertools idempotency imports the whole JMESPath engine (~23 KB of
 * a 150 KB budget) while this stack only ever names one top-level field (`idempotencyKey`, `inputHash`). Written
 * by hand because no package offers that subset; anything beyond a bare identifier fails loudly, never silently.
 */

// An unquoted JMESPath identifier (jmespath.org/specification.html#identifiers).
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class JMESPathError extends Error {
  override name = 'JMESPathError';
}

// As Powertools' isRecord: a plain object, not an array or null.
const isRecord = (value: unknown): value is Record<string, unknown> =>
  Object.prototype.toString.call(value) === '[object Object]';

/**
 * `search(expression, data)` of `@aws-lambda-powertools/jmespath` for a bare field name, with its results:
 * the field's value when `data` is an object holding it, else null.
 *
 * @example
 * search('inputHash', { inputHash: 'ab12', command: {} }); // 'ab12'
 * search('items[0].id', data); // throws JMESPathError: only a top-level field name is bundled
 */
export function search(expression: string, data: unknown, _options?: unknown): unknown {
  if (!IDENTIFIER.test(expression)) {
    throw new JMESPathError(
      `JMESPath "${expression}": Lambda bundles carry only top-level field names (lambdas/bundle-aliases/jmespath); use one, or drop the alias in lib/lambda-function.ts`,
    );
  }
  return isRecord(data) && expression in data ? data[expression] : null;
}
