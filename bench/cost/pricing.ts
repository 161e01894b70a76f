import { GB, PRICES, type Prices } from '../prices';

/** What a workload consumed, in the units AWS bills; every field is a total over the same workload. */
export interface Usage {
  /** HTTP API requests (each counted once per 512 KB started). */
  apiRequests: number;
  /** Response bytes API Gateway sent to the internet. */
  transferOutBytes: number;
  lambdaInvocations: number;
  /** Billed duration x configured memory, Arm. */
  lambdaGbSeconds: number;
  /** SQS requests, 64 KB chunks counted. */
  sqsRequests: number;
  dynamoWru: number;
  dynamoRru: number;
  secretsManagerCalls: number;
  s3Puts: number;
  s3Gets: number;
  /** CloudWatch Logs ingestion (JSON log lines, EMF documents, Lambda platform lines, API access logs). */
  logBytes: number;
  xrayTraces: number;
  schedulerInvocations: number;
}

export const SERVICES = [
  'apiGateway',
  'lambda',
  'sqs',
  'dynamodb',
  's3',
  'secretsManager',
  'logs',
  'xray',
  'scheduler',
  'transferOut',
] as const;
export type Service = (typeof SERVICES)[number];
export type Breakdown = Record<Service, number>;

export const SERVICE_LABELS: Record<Service, string> = {
  apiGateway: 'API Gateway (HTTP API)',
  lambda: 'Lambda (requests + Arm GB-s)',
  sqs: 'SQS',
  dynamodb: 'DynamoDB (on-demand)',
  s3: 'S3 requests',
  secretsManager: 'Secrets Manager',
  logs: 'CloudWatch Logs ingestion',
  xray: 'X-Ray traces',
  scheduler: 'EventBridge Scheduler',
  transferOut: 'Data transfer out',
};

export const emptyUsage = (): Usage => ({
  apiRequests: 0,
  transferOutBytes: 0,
  lambdaInvocations: 0,
  lambdaGbSeconds: 0,
  sqsRequests: 0,
  dynamoWru: 0,
  dynamoRru: 0,
  secretsManagerCalls: 0,
  s3Puts: 0,
  s3Gets: 0,
  logBytes: 0,
  xrayTraces: 0,
  schedulerInvocations: 0,
});

/** Field-wise sum of usages. */
export function addUsage(...usages: Usage[]): Usage {
  const total = emptyUsage();
  for (const u of usages) for (const k of Object.keys(total) as (keyof Usage)[]) total[k] += u[k];
  return total;
}

/** Every field multiplied by `factor` (e.g. 1e6 / events: usage per million). */
export function scaleUsage(u: Usage, factor: number): Usage {
  return Object.fromEntries(Object.entries(u).map(([k, v]) => [k, v * factor])) as unknown as Usage;
}

/**
 * Dollars per service for a usage, at on-demand prices: the arithmetic of `bench/prices.ts`, nothing measured.
 *
 * @example
 * priceUsage({ ...emptyUsage(), apiRequests: 1e6, dynamoWru: 8e6 }) // { apiGateway: 1, dynamodb: 5, ... 0 }
 */
export function priceUsage(u: Usage, p: Prices = PRICES): Breakdown {
  return {
    apiGateway: (u.apiRequests / 1e6) * p.apiGateway.perMillionRequests,
    lambda: (u.lambdaInvocations / 1e6) * p.lambda.perMillionRequests + u.lambdaGbSeconds * p.lambda.perGbSecondArm,
    sqs: (u.sqsRequests / 1e6) * p.sqs.perMillionRequests,
    dynamodb: (u.dynamoWru / 1e6) * p.dynamodb.perMillionWru + (u.dynamoRru / 1e6) * p.dynamodb.perMillionRru,
    s3: (u.s3Puts / 1000) * p.s3.perThousandPuts + (u.s3Gets / 1000) * p.s3.perThousandGets,
    secretsManager: (u.secretsManagerCalls / 10_000) * p.secretsManager.perTenThousandCalls,
    logs: (u.logBytes / GB) * p.logs.ingestionPerGb,
    xray: (u.xrayTraces / 1e6) * p.xray.perMillionTraces,
    scheduler: (u.schedulerInvocations / 1e6) * p.scheduler.perMillionInvocations,
    transferOut: (u.transferOutBytes / GB) * p.apiGateway.transferOutPerGb,
  };
}

export const total = (b: Breakdown): number => SERVICES.reduce((sum, s) => sum + b[s], 0);

/** Lambda's billed GB-seconds for one invocation: duration rounded up to the millisecond, times memory. */
export const billedGbSeconds = (durationMs: number, memoryMb: number): number =>
  (Math.ceil(durationMs) / 1000) * (memoryMb / 1024);

/** SQS requests one call costs: one per 64 KB chunk of its payload, at least one. */
export const sqsRequests = (payloadBytes: number, p: Prices = PRICES): number =>
  Math.max(1, Math.ceil(payloadBytes / p.sqs.chunkBytes));

/** API Gateway requests one call costs: HTTP APIs meter in 512 KB increments. */
export const apiRequests = (requestBytes: number, p: Prices = PRICES): number =>
  Math.max(1, Math.ceil(requestBytes / p.apiGateway.meteredBytes));

/**
 * Write request units of a write, by DynamoDB's rules: 1 per KB of the larger of the old and new item;
 * a failed conditional write consumes units for the existing item's size (1 when there is none).
 */
export function writeUnits(w: { newBytes: number; oldBytes?: number; conditionFailed?: boolean }): number {
  const kb = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
  if (w.conditionFailed) return w.oldBytes === undefined ? 1 : kb(w.oldBytes);
  return Math.max(kb(w.newBytes), w.oldBytes === undefined ? 0 : kb(w.oldBytes));
}

/**
 * One item's image as an index sees it: its key values (strings here), or null when the item is absent or lacks one.
 */
type IndexImage = Record<string, string> | null;

/**
 * Write units one table write costs a global secondary index, by DynamoDB's documented rules: an item entering or
 * leaving the index is one index write of its index size, a changed index key two; a KEYS_ONLY index is not written
 * when its keys stay the same (nothing it projects changed), an ALL index is rewritten at the item's size.
 * Index item size: its attributes' names and values plus 100 bytes.
 *
 * @example
 * indexWriteUnits({ keysOnly: true }, null, { provider: 'github', pk: 'github#issue#1' }) // 1: a new entity
 */
export function indexWriteUnits(
  index: { keysOnly?: boolean },
  before: IndexImage,
  after: IndexImage,
  afterItemBytes = 0,
): number {
  const size = (img: Record<string, string>) =>
    Object.entries(img).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 100);
  const units = (img: Record<string, string>) =>
    Math.max(1, Math.ceil((index.keysOnly ? size(img) : Math.max(size(img), afterItemBytes)) / 1024));
  if (!before && !after) return 0;
  if (!before) return units(after!);
  if (!after) return units(before);
  const sameKeys = Object.keys(after).every((k) => after[k] === before[k]);
  if (!sameKeys) return units(before) + units(after);
  return index.keysOnly ? 0 : units(after);
}

/** Read request units of reading one item: 1 per 4 KB, strongly consistent; half that eventually consistent. */
export const readUnits = (itemBytes: number, consistent: boolean): number =>
  Math.max(1, Math.ceil(itemBytes / 4096)) * (consistent ? 1 : 0.5);

/**
 * The share of invocations X-Ray active tracing records at `perSecond` invocations a second: Lambda's
 * fixed rule, the first each second plus 5 % of the rest (the rate is per function).
 */
export const xraySampled = (perSecond: number): number =>
  perSecond <= 1 ? 1 : (1 + 0.05 * (perSecond - 1)) / perSecond;
