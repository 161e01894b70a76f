import { randomUUID } from 'node:crypto';
import { S3RestBlobs } from '../adapters/s3-rest';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { AwsSecretStore } from '../adapters/secrets';
import { sqsSender } from '../adapters/sqs-sender';
import { INGEST_SECRETS_MAX_AGE_SECONDS, ingest, type IngestDeps, type IngestRequest } from '../core/ingest';
import { getProvider } from '../providers';
import { awsTelemetry, ENV, once, required } from './shared/lambda-init';

export type IngestHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

export function toIngestRequest(event: APIGatewayProxyEventV2): IngestRequest {
  const body = event.body ?? '';
  const host = event.headers?.host ?? event.requestContext?.domainName ?? 'localhost';
  return {
    // `{provider}` routes give a path parameter; per-provider routes only the path.
    provider: event.pathParameters?.provider ?? /^\/webhooks\/([^/]+)/.exec(event.rawPath ?? '')?.[1] ?? '',
    method: event.requestContext?.http?.method ?? 'POST',
    headers: event.headers ?? {},
    rawBody: event.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8'),
    url: `https://${host}${event.rawPath ?? ''}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`,
    sourceIp: event.requestContext?.http?.sourceIp,
  };
}

/**
 * The webhook-ingest Lambda, built from its dependencies; the local stack builds it with local ones.
 *
 * @example
 * const handle = createIngestHandler({ registry: getProvider, secrets, queueFor, telemetry, now: () => new Date(), newId: randomUUID });
 * const res = await handle(apiGatewayV2Event);
 */
export function createIngestHandler(deps: IngestDeps & { flush?(): void }): IngestHandler {
  return async (event) => {
    try {
      return await ingest(toIngestRequest(event), deps);
    } finally {
      deps.flush?.();
    }
  };
}

const aws = once(() => {
  const telemetry = awsTelemetry('webhook-ingest');
  const provider = required(ENV.provider);
  const queue = sqsSender(required(ENV.queueUrl));
  const bucket = process.env[ENV.blobBucket];
  const prefix = required(ENV.secretPrefix);
  const secrets = new AwsSecretStore(prefix, {
    maxAgeSeconds: Number(process.env[ENV.secretsMaxAge] ?? INGEST_SECRETS_MAX_AGE_SECONDS),
  });
  // Set only where the stage switches the provider's allow list on (lib/stages.ts `webhooks.<provider>.sourceIps`).
  // Its own cache, of the default 5 minutes: an address the refresher adds must not wait the signing secret's hour.
  const allowList = process.env[ENV.sourceIpsSecret];
  const allowLists = allowList ? new AwsSecretStore(prefix) : undefined;
  return createIngestHandler({
    // Only bodies above the queue's limit go to S3.
    blobs: bucket ? new S3RestBlobs(bucket) : undefined,
    // One function per provider: it serves and can read only its own provider's route, queue and secret.
    registry: (name) => (name === provider ? getProvider(name) : undefined),
    secrets,
    sourceIps: allowList && allowLists ? (name) => allowLists.get(name, allowList) : undefined,
    queueFor: (name) => (name === provider ? queue : undefined),
    telemetry,
    now: () => new Date(),
    newId: randomUUID,
    flush: () => telemetry.flush(),
  });
});

export const handler: IngestHandler = (event) => aws()(event);
