import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { Agent as HttpAgent, type IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isServerError, isThrottlingError, isTransientError, StandardRetryStrategy } from '@smithy/core/retry';
import { SignatureV4 } from '@smithy/signature-v4';
import type { RetryErrorInfo, SourceData } from '@smithy/types';
import { type AwsService, serviceHost } from './aws-endpoints';

/** Where and as whom to call; each part defaults to what Lambda's environment gives (AWS_REGION, AWS_*_KEY...). */
export interface AwsEndpointConfig {
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** One AWS JSON-protocol service: its signing name, X-Amz-Target prefix, JSON version and endpoint variable. */
export interface AwsJsonService {
  /** Also its endpoint prefix (aws-endpoints.ts). */
  signingName: AwsService;
  targetPrefix: string;
  jsonVersion: '1.0' | '1.1';
  /** The service's AWS_ENDPOINT_URL_<ID> variable, as the SDK reads it. */
  endpointEnv: string;
}

/** An AWS service error shaped as the SDK's: `name` is the service's error code, `$metadata` the HTTP status. */
export class AwsServiceError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: { httpStatusCode?: number; requestId?: string; attempts?: number };
  readonly $response?: { statusCode: number; headers: Record<string, string | string[] | undefined> };
  /** The error answer's other fields (DynamoDB's `Item` on a failed condition, when asked for). */
  readonly details?: Record<string, unknown>;

  constructor(
    name: string,
    message: string,
    status: number | undefined,
    response?: IncomingMessage,
    details?: Record<string, unknown>,
  ) {
    super(message);
    if (details) this.details = details;
    this.name = name;
    this.$fault = status !== undefined && status >= 500 ? 'server' : 'client';
    this.$metadata = { httpStatusCode: status, requestId: header(response, 'x-amzn-requestid') };
    if (response) this.$response = { statusCode: status ?? 0, headers: response.headers };
  }
}

const header = (res: IncomingMessage | undefined, name: string): string | undefined => {
  const v = res?.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

// node:crypto behind the hash shape SignatureV4 takes (what @smithy/hash-node does, which is not installed here).
const bytes = (data: SourceData): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret ? createHmac('sha256', bytes(secret)) : createHash('sha256');
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
}

// Kept alive across invocations, as the SDK's NodeHttpHandler does.
const agents = { https: new HttpsAgent({ keepAlive: true }), http: new HttpAgent({ keepAlive: true }) };
const REQUEST_TIMEOUT_MS = 5_000;

function credentialsFrom(config: AwsEndpointConfig): NonNullable<AwsEndpointConfig['credentials']> {
  if (config.credentials) return config.credentials;
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = process.env;
  if (!accessKeyId || !secretAccessKey)
    throw new AwsServiceError('CredentialsProviderError', 'no AWS credentials in the environment', undefined);
  return { accessKeyId, secretAccessKey, sessionToken: process.env.AWS_SESSION_TOKEN };
}

function endpointOf(service: AwsJsonService, config: AwsEndpointConfig, region: string): URL {
  const env = process.env[service.endpointEnv] ?? process.env.AWS_ENDPOINT_URL;
  return new URL(config.endpoint ?? env ?? `https://${serviceHost(service.signingName, region)}`);
}

/** One request to sign and send; `s3` signs as S3 does (the path as given, the payload's hash in a header). */
export interface SignedRequest {
  signingName: string;
  config: AwsEndpointConfig;
  url: URL;
  method: 'GET' | 'PUT' | 'POST';
  headers: Record<string, string>;
  body?: string | Buffer;
  s3?: boolean;
  timeoutMs?: number;
}

/** The region a request goes to: the config's, else Lambda's AWS_REGION. */
export const regionOf = (config: AwsEndpointConfig): string => config.region ?? process.env.AWS_REGION ?? 'us-east-1';

/** Signs one request with SigV4 and sends it: its answer, whatever the status (network failures reject). */
export async function sendSigned(req: SignedRequest): Promise<{ res: IncomingMessage; body: Buffer }> {
  const signer = new SignatureV4({
    service: req.signingName,
    region: regionOf(req.config),
    credentials: credentialsFrom(req.config),
    sha256: Sha256,
    uriEscapePath: !req.s3,
    applyChecksum: !!req.s3,
  });
  const { url } = req;
  const body = req.body ?? '';
  const signed = await signer.sign({
    method: req.method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    query: {},
    headers: { host: url.host, 'content-length': String(Buffer.byteLength(body)), ...req.headers },
    body,
  });
  return send(url, req.method, signed.headers, body, req.timeoutMs ?? REQUEST_TIMEOUT_MS);
}

/** One signed POST, its JSON answer or an AwsServiceError (network failures keep node's error, which has a `code`). */
async function attempt(service: AwsJsonService, config: AwsEndpointConfig, operation: string, body: string) {
  const { res, body: answer } = await sendSigned({
    signingName: service.signingName,
    config,
    url: endpointOf(service, config, regionOf(config)),
    method: 'POST',
    headers: {
      'content-type': `application/x-amz-json-${service.jsonVersion}`,
      'x-amz-target': `${service.targetPrefix}.${operation}`,
    },
    body,
  });
  const status = res.statusCode ?? 0;
  const text = answer.toString('utf8');
  if (status < 300) return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  const parsed = errorBody(text);
  // `__type` is `namespace#Code` (or `Code:uri`); the header carries it when the body does not.
  const type = String(parsed.__type ?? header(res, 'x-amzn-errortype') ?? `Http${status}`);
  const code = type.split('#').pop()!.split(':')[0]!;
  throw new AwsServiceError(code, String(parsed.message ?? parsed.Message ?? code), status, res, parsed);
}

/** An error answer's fields: JSON as the protocol says, else an XML `<Code>` (a gateway or auth layer's), else none. */
function errorBody(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    const xml = (tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(text)?.[1];
    return { __type: xml('Code'), message: xml('Message') };
  }
}

function send(url: URL, method: string, headers: Record<string, string>, body: string | Buffer, timeoutMs: number) {
  return new Promise<{ res: IncomingMessage; body: Buffer }>((resolve, reject) => {
    const https = url.protocol === 'https:';
    const req = (https ? httpsRequest : httpRequest)(url, { method, headers, agent: agents[https ? 'https' : 'http'] });
    req.setTimeout(timeoutMs, () =>
      req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { name: 'TimeoutError' })),
    );
    req.once('error', reject);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('error', reject);
      res.once('end', () => resolve({ res, body: Buffer.concat(chunks) }));
    });
    req.end(body);
  });
}

/** The SDK's own classification of an error for its retry strategy. */
function retryInfo(error: Error): RetryErrorInfo {
  const e = error as Parameters<typeof isThrottlingError>[0];
  const errorType = isThrottlingError(e)
    ? 'THROTTLING'
    : isTransientError(e)
      ? 'TRANSIENT'
      : isServerError(e)
        ? 'SERVER_ERROR'
        : 'CLIENT_ERROR';
  return { errorType };
}

/**
 * Runs `call` under the SDK's standard retry strategy (3 attempts, backoff with jitter, retry quota): what the SDK
 * clients do, for the calls made here without them. One `retrier` per client, as its quota is per client.
 *
 * @example
 * const retry = retrier();
 * await retry('GetObject', () => sendOnce());
 */
export function retrier(): <T>(scope: string, call: () => Promise<T>) => Promise<T> {
  const strategy = new StandardRetryStrategy(3);
  return async (scope, call) => {
    let token = await strategy.acquireInitialRetryToken(scope);
    for (let attempts = 1; ; attempts += 1) {
      try {
        const out = await call();
        strategy.recordSuccess(token);
        return out;
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        try {
          token = await strategy.refreshRetryTokenForRetry(token, retryInfo(error));
        } catch {
          if (error instanceof AwsServiceError) error.$metadata.attempts = attempts;
          throw error;
        }
      }
    }
  };
}

/**
 * A caller of one AWS JSON-protocol service (SQS, Secrets Manager, DynamoDB, EventBridge) over node:https, signed
 * with the SDK's SigV4 signer and retried as the SDK does (retrier): the ~200 KB of SDK client a Lambda otherwise
 * parses at every cold start, for the few operations a handler needs.
 *
 * @example
 * const call = awsJsonClient(SQS, {});
 * await call('SendMessage', { QueueUrl, MessageBody: 'hi' });
 */
export function awsJsonClient(
  service: AwsJsonService,
  config: AwsEndpointConfig = {},
): (operation: string, input: object) => Promise<Record<string, unknown>> {
  const retry = retrier();
  return (operation, input) => {
    const body = JSON.stringify(input);
    return retry(operation, () => attempt(service, config, operation, body));
  };
}

export const SQS: AwsJsonService = {
  signingName: 'sqs',
  targetPrefix: 'AmazonSQS',
  jsonVersion: '1.0',
  endpointEnv: 'AWS_ENDPOINT_URL_SQS',
};

export const SECRETS_MANAGER: AwsJsonService = {
  signingName: 'secretsmanager',
  targetPrefix: 'secretsmanager',
  jsonVersion: '1.1',
  endpointEnv: 'AWS_ENDPOINT_URL_SECRETS_MANAGER',
};
