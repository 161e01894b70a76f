import { createHmac, randomUUID } from 'node:crypto';
import { sampleGithubIssue } from '../../lambdas/providers/github';

export interface Delivery {
  headers: Record<string, string>;
  body: string;
}

/**
 * Signed GitHub `issues` deliveries of `bytes` bytes each (GitHub's documented example, its issue
 * body padded), prepared before the load so the load generator spends no CPU on signing.
 */
export function signedDeliveries(secret: string, count: number, bytes = 2048): Delivery[] {
  return Array.from({ length: count }, (_, i) => {
    const sample = sampleGithubIssue({
      number: i + 1,
      updatedAt: new Date(Date.UTC(2024, 4, 1) + i * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
    const issue = sample.issue as Record<string, unknown>;
    const base = JSON.stringify(sample).length;
    issue.body = `${String(issue.body)} ${'x'.repeat(Math.max(0, bytes - base - 1))}`;
    const body = JSON.stringify(sample);
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'issues',
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
      },
    };
  });
}
