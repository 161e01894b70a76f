import { type RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  type AddRoutesOptions,
  type CfnStage,
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
  type ThrottleSettings,
} from 'aws-cdk-lib/aws-apigatewayv2';
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
  const stage = new HttpStage(scope, 'DefaultStage', {
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
  stages.set(api, stage);
  return api;
}

const stages = new WeakMap<HttpApi, HttpStage>();

/**
 * `api.addRoutes(options)` for a construct `owner`: in the API's stack the routes are the API's children, as
 * they have always been (same logical ids); in a nested stack of providers they are `owner`'s, so the route, its
 * integration and its Lambda permission stay in that stack with the function they call.
 *
 * @example
 * const [route] = addRoutes(shared.api, this, { path: '/webhooks/acme', methods: [HttpMethod.ANY], integration });
 */
export function addRoutes(api: HttpApi, owner: Construct, options: AddRoutesOptions): HttpRoute[] {
  if (Stack.of(owner) === Stack.of(api)) return api.addRoutes(options);
  return (options.methods ?? [HttpMethod.ANY]).map(
    (method) =>
      new HttpRoute(owner, `${method}${options.path}`, {
        httpApi: api,
        routeKey: HttpRouteKey.with(options.path, method),
        integration: options.integration,
        authorizer: options.authorizer ?? api.defaultAuthorizer,
        authorizationScopes: options.authorizationScopes ?? api.defaultAuthorizationScopes,
      }),
  );
}

/** What one route may set on the stage: its own throttling, CloudWatch's detailed (per-route) metrics. */
export interface RouteSettings {
  throttle?: ThrottleSettings;
  detailedMetrics?: boolean;
}

/**
 * Per-route settings on the API's `$default` stage (CloudFormation `RouteSettings`, keyed by route key), merged
 * setting by setting, so callers that set different things (throttling, metrics) never overwrite each other. The
 * stage then depends on the route: CloudFormation refuses settings for a route key that does not exist yet.
 *
 * @example
 * setRouteSettings(api, route, 'ANY /webhooks/github', { throttle: { rateLimit: 500, burstLimit: 1000 } });
 */
export function setRouteSettings(api: HttpApi, route: HttpRoute, routeKey: string, settings: RouteSettings): void {
  const stage = stages.get(api);
  if (!stage) throw new Error('setRouteSettings: the API was not made by integrationApi');
  const cfn = stage.node.defaultChild as CfnStage;
  const set = (name: string, value: number | boolean | undefined) => {
    if (value !== undefined) cfn.addPropertyOverride(`RouteSettings.${routeKey}.${name}`, value);
  };
  set('ThrottlingRateLimit', settings.throttle?.rateLimit);
  set('ThrottlingBurstLimit', settings.throttle?.burstLimit);
  set('DetailedMetricsEnabled', settings.detailedMetrics);
  stage.node.addDependency(route);
}
