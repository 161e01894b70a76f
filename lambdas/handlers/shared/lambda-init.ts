import { PowertoolsTelemetry } from '../../adapters/telemetry';
import { DEFAULT_NAMESPACE, ENV } from '../../core/env-contract';

export { ENV };

/** Reads a variable the stack always sets; fails the invocation (not the import) when absent. */
export function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

export function awsTelemetry(serviceName: string): PowertoolsTelemetry {
  return new PowertoolsTelemetry({ serviceName, namespace: process.env[ENV.namespace] ?? DEFAULT_NAMESPACE });
}

/**
 * Swaps `process.env` for a plain copy of it. Powertools reads a variable on every log line and metric
 * (`shouldUseInvokeStore`), and each read of the real one calls into C++: a sixth of the ingest's CPU per webhook
 * (docs/benchmarks.md). Writes, like the runtime's `_X_AMZN_TRACE_ID` per invocation, land in the copy that every
 * reader sees. Only in Lambda's init (see `once`), where nothing reads the environment natively.
 *
 * @example
 * plainEnv(); // then build the handler's clients and telemetry
 */
export function plainEnv(): void {
  process.env = { ...process.env };
}

/**
 * Builds the AWS wiring once: during Lambda's init phase when running in Lambda, on first use
 * elsewhere, so importing a handler module stays side-effect free for the local stack and tests.
 */
export function once<T>(build: () => T): () => T {
  let value: T | undefined;
  const get = (): T => (value ??= build());
  if (process.env.AWS_LAMBDA_FUNCTION_NAME) {
    plainEnv();
    get();
  }
  return get;
}
