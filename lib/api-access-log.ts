import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';

/**
 * One JSON line per request to the HTTP API, from HTTP API's own `$context` variables (REST's standard
 * fields include `resourcePath`, which HTTP APIs do not have). No body, header or query string is logged;
 * `caller` is the IAM principal on command routes, `error` says why API Gateway itself answered (throttled,
 * too large, unauthorised), `integrationError` why the function could not be invoked.
 */
export const HTTP_API_ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    ip: '$context.identity.sourceIp',
    caller: '$context.identity.userArn',
    httpMethod: '$context.httpMethod',
    routeKey: '$context.routeKey',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    responseLatency: '$context.responseLatency',
    integrationStatus: '$context.integrationStatus',
    integrationError: '$context.integrationErrorMessage',
    error: '$context.error.message',
  }),
);
