import { afterEach, describe, expect, it } from 'vitest';
import { plainEnv } from '../../../lambdas/handlers/shared/lambda-init';

const real = process.env;
afterEach(() => {
  process.env = real;
});

describe('plainEnv (run once at Lambda init)', () => {
  it('keeps every variable in a plain object, and later writes (the trace id per invocation) are read back', () => {
    const before = { ...process.env };
    plainEnv();
    expect(process.env).not.toBe(real);
    expect({ ...process.env }).toEqual(before);
    process.env._X_AMZN_TRACE_ID = 'Root=1-abc';
    expect(process.env._X_AMZN_TRACE_ID).toBe('Root=1-abc');
    expect(real._X_AMZN_TRACE_ID).toBe(before._X_AMZN_TRACE_ID);
  });
});
