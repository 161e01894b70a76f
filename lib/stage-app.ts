import type { App } from 'aws-cdk-lib';
import { providers } from '../lambdas/providers';
import { IntegrationStack } from './integration-stack';
import { addSecurityChecks } from './security-checks';
import { DEFAULT_STAGE, stackName, stageConfig, stageEnv } from './stages';

/**
 * The stack of the stage named by the `stage` context (`-c stage=dev|staging|prod`, default dev):
 * `IntegrationStack-<stage>`, in the stage file's account and region or the standard CDK variables'.
 * The app runs cdk-nag's AWS Solutions checks on every synth (lib/security-checks.ts).
 *
 * @example
 * addStageStack(new App()); // bin/app.ts
 */
export function addStageStack(app: App, env: Record<string, string | undefined> = process.env): IntegrationStack {
  const stage = stageConfig(String(app.node.tryGetContext('stage') ?? DEFAULT_STAGE));
  addSecurityChecks(app);
  return new IntegrationStack(app, stackName(stage.name), {
    providers,
    stage,
    // Synth needs neither: without them the stack is environment-agnostic.
    env: stageEnv(stage, env),
    description: `Serverless integration stack (${stage.name}): verified webhooks, queues with DLQs, idempotent processing`,
  });
}
