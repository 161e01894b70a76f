import { App } from 'aws-cdk-lib';
import { IntegrationStack } from '../lib/integration-stack';
import { providers } from '../lambdas/providers';

const app = new App();
new IntegrationStack(app, 'IntegrationStack', {
  providers,
  // Account and region from the standard CDK variables; synth needs neither.
  env: process.env.CDK_DEFAULT_ACCOUNT ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION } : undefined,
  description: 'Serverless integration stack: verified webhooks, queues with DLQs, idempotent processing',
});
