import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';

export type InvokeResult<T> = { ok: true; payload: T } | { ok: false; error: { type: string; message: string } };

/**
 * Invokes a Lambda function synchronously (RequestResponse) with a JSON payload and reads its JSON
 * answer; a function error (`X-Amz-Function-Error`) is a value, not a throw. Throttles and network
 * errors are retried by the SDK; what is left throws.
 *
 * @example
 * const invoker = new LambdaInvoker(new LambdaClient({}));
 * const res = await invoker.invoke<RunSummary>('IntegrationStack-PollfootballPoller...', { provider: 'football', poll: 'fixtures', from, to });
 */
export class LambdaInvoker {
  constructor(private readonly client: LambdaClient) {}

  async invoke<T>(functionName: string, payload: unknown): Promise<InvokeResult<T>> {
    const res = await this.client.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode(JSON.stringify(payload)),
      }),
    );
    const text = res.Payload ? new TextDecoder().decode(res.Payload) : '';
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      return {
        ok: false,
        error: {
          type: 'MalformedPayload',
          message: `the function answered something that is not JSON (${text.length} bytes)`,
        },
      };
    }
    if (res.FunctionError) {
      const e = (body ?? {}) as { errorType?: string; errorMessage?: string };
      return {
        ok: false,
        error: { type: e.errorType ?? res.FunctionError, message: e.errorMessage ?? 'function error' },
      };
    }
    return { ok: true, payload: body as T };
  }
}
