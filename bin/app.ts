import { App } from 'aws-cdk-lib';
import { IntegrationStack } from '../lib/integration-stack';
import { DEFAULT_STAGE, stackName, stageConfig, stageEnv } from '../lib/stages';
import { providers } from '../lambdas/providers';

// `npx cdk deploy -c stage=dev|staging|prod` (default dev): one independent stack per stage, from lib/stages.ts.
const app = new App();
const stage = stageConfig(String(app.node.tryGetContext('stage') ?? DEFAULT_STAGE));
new IntegrationStack(app, stackName(stage.name), {
  providers,
  stage,
  // The stage file's account and region, else the standard CDK variables; synth needs neither.
  env: stageEnv(stage),
  description: `Serverless integration stack (${stage.name}): verified webhooks, queues with DLQs, idempotent processing`,
});
