import { Tags } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { RESOURCE_TAG } from '../lambdas/core/resource-tags';

/**
 * Tags a resource so `npm run ops -- ... --aws` finds it by what it is (lambdas/core/resource-tags.ts), whatever
 * stack holds it.
 *
 * @example
 * tagForOps(work.dlq, 'webhooks-dlq', 'github');
 */
export function tagForOps(resource: IConstruct, role: string, provider?: string): void {
  Tags.of(resource).add(RESOURCE_TAG.resource, role);
  if (provider) Tags.of(resource).add(RESOURCE_TAG.provider, provider);
}
