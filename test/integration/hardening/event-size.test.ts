import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_INVOKE_LIMIT, WEBHOOK_BODY_LIMIT } from '../../../lambdas/core/blob-layout';
import { github, sampleGithubIssue } from '../../../lambdas/providers/github';
import { signAs } from '../../../local/sign';
import type { LocalStack } from '../../../local/stack';
import type { LogCapture } from '../../helpers/log-capture';
import { testStack } from '../../helpers/local-stack';

let stack: LocalStack;
let logs: LogCapture;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ stack, logs, close } = await testStack({ providers: [github] }));
  await stack.pauseProcessing();
});
afterAll(async () => close());

/** GitHub's issues example whose issue body is `text`, signed. */
async function deliver(text: string, contentType = 'application/json') {
  const sample = sampleGithubIssue({ number: 3 });
  (sample.issue as Record<string, unknown>).body = text;
  const body = JSON.stringify(sample);
  const secret = await stack.secrets.get('github', 'webhookSecret');
  const signed = signAs('github', body, secret, {
    headers: { 'x-github-event': 'issues', 'content-type': contentType },
  });
  const res = await fetch(`${stack.url}/webhooks/github`, { method: 'POST', headers: signed.headers, body });
  return { status: res.status, bytes: Buffer.byteLength(body), text: await res.text() };
}

describe('the size that counts is the event API Gateway builds (#16 point 11)', () => {
  it('answers as AWS does (500, the function never runs) for 3.4 MB of quotes, which escape past 6 MB', async () => {
    const accepted = logs.logs('webhook accepted').length;
    const res = await deliver('"'.repeat(1_700_000));
    expect(res.bytes).toBeLessThan(WEBHOOK_BODY_LIMIT);
    expect(res.bytes * 2).toBeGreaterThan(LAMBDA_INVOKE_LIMIT);
    expect(res).toMatchObject({ status: 500, text: '{"message":"Internal Server Error"}' });
    expect(logs.logs('webhook accepted').length).toBe(accepted);
  });

  it('passes the same size of plain text, whose event fits', async () => {
    const res = await deliver('a'.repeat(3_400_000));
    expect(res.status).toBe(200);
  });

  it('counts base64 when API Gateway encodes the body (a binary content type): 4.8 MiB becomes 6.4 MB', async () => {
    const res = await deliver('a'.repeat(4_800_000), 'application/octet-stream');
    expect(res.status).toBe(500);
    const small = await deliver('a'.repeat(4_000_000), 'application/octet-stream');
    expect(small.status).toBe(200);
  });
});
