import { App } from 'aws-cdk-lib';
import { addStageStack } from '../lib/stage-app';

// `npx cdk deploy -c stage=dev|staging|prod` (default dev): one independent stack per stage, from lib/stages.ts.
addStageStack(new App());
