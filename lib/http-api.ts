import type { RemovalPolicy } from 'aws-cdk-lib';
import { HttpApi, HttpStage, LogGroupLogDestination, type ThrottleSettings } from 'aws-cdk-lib/aws-apigatewayv2';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { acknowledgeLogEncryption } from './acknowledgements';
import { HTTP_API_ACCESS_LOG_FORMAT } from './api-access-log';
import { routeMetricFilters } from './observability/route-metrics';

export interface HttpApiProps {
  throttle: ThrottleSettings;
  logRetention: RetentionDays;
  /** Where the per-route counts of webhook routes (requests, 4xx, 429) go: route-metrics.ts. */
  metricsNamespace: string;
  /** Of the access log group: the only record of callers' source IPs, so a retaining stage keeps it. */
  logRemovalPolicy: RemovalPolicy;
}

/**
 * The stack's HTTP API (id `Api`): one auto-deployed `$default` stage with throttling and a JSON access log
 * (`ApiAccessLogs`), whose metric filters count each webhook route's requests, 4xx and 429. Webhook, command and
 * records routes are added by their integrations.
 *
 * @example
 * const api = integrationApi(stack, {
 *   throttle: { rateLimit: 20, burstLimit: 40 },
 *   logRetention: RetentionDays.ONE_WEEK,
 *   logRemovalPolicy: RemovalPolicy.RETAIN,
 *   metricsNamespace: 'IntegrationStack/dev',
 * });
 */
export function integrationApi(scope: Construct, props: HttpApiProps): HttpApi {
  const api = new HttpApi(scope, 'Api', {
    createDefaultStage: false,
    description: 'Webhook receiver for third-party providers',
  });
  const accessLogs = new LogGroup(scope, 'ApiAccessLogs', {
    retention: props.logRetention,
    removalPolicy: props.logRemovalPolicy,
  });
  acknowledgeLogEncryption(accessLogs);
  new HttpStage(scope, 'DefaultStage', {
    httpApi: api,
    stageName: '$default',
    autoDeploy: true,
    throttle: props.throttle,
    accessLogSettings: {
      destination: new LogGroupLogDestination(accessLogs),
      format: HTTP_API_ACCESS_LOG_FORMAT,
    },
  });
  routeMetricFilters(scope, accessLogs, props.metricsNamespace);
  return api;
}
