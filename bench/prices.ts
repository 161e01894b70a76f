/**
 * AWS on-demand prices, us-east-1, in US dollars, as published on the pages below (read 2026-11-26,
 * from stored copies of those pages: a change published later is not reflected here). Free tiers are
 * ignored: the figure is what a workload pays past them. Volume tiers: the first tier of each.
 *
 * - API Gateway (HTTP APIs): https://aws.amazon.com/api-gateway/pricing/ -- $1.00 per million
 *   requests (first 300 million a month), each request metered in 512 KB increments; data transfer
 *   out at EC2 rates.
 * - Lambda: https://aws.amazon.com/lambda/pricing/ -- $0.20 per million requests; Arm
 *   $0.0000133334 per GB-second (first 7.5 billion GB-s a month), duration rounded up to 1 ms.
 * - SQS: https://aws.amazon.com/sqs/pricing/ -- standard queues $0.40 per million requests; every
 *   64 KB chunk of a request's payload is billed as one request.
 * - DynamoDB: https://aws.amazon.com/dynamodb/pricing/on-demand/ -- $0.625 per million write request
 *   units, $0.125 per million read request units (the November 2024 prices, half the earlier ones);
 *   storage $0.25 per GB-month, continuous backups (PITR) $0.20 per GB-month.
 * - S3 Standard: https://aws.amazon.com/s3/pricing/ -- PUT $0.005 per 1,000, GET $0.0004 per 1,000,
 *   storage $0.023 per GB-month.
 * - Secrets Manager: https://aws.amazon.com/secrets-manager/pricing/ -- $0.05 per 10,000 API calls,
 *   $0.40 per secret per month.
 * - CloudWatch Logs: https://aws.amazon.com/cloudwatch/pricing/ -- Standard class ingestion $0.50 per
 *   GB (Lambda logs, priced as vended logs since May 2025, start at the same $0.50), storage $0.03 per
 *   GB-month.
 * - X-Ray: https://aws.amazon.com/xray/pricing/ -- $5.00 per million traces recorded.
 * - EventBridge Scheduler: https://aws.amazon.com/eventbridge/pricing/ -- $1.00 per million
 *   scheduled invocations.
 * - Data transfer out to the internet: https://aws.amazon.com/ec2/pricing/on-demand/ -- $0.09 per GB
 *   (first 10 TB a month).
 */
export const PRICES = {
  date: '2026-11-26',
  region: 'us-east-1',
  apiGateway: { perMillionRequests: 1.0, meteredBytes: 512 * 1024, transferOutPerGb: 0.09 },
  lambda: { perMillionRequests: 0.2, perGbSecondArm: 0.0000133334 },
  sqs: { perMillionRequests: 0.4, chunkBytes: 64 * 1024 },
  dynamodb: { perMillionWru: 0.625, perMillionRru: 0.125, storagePerGbMonth: 0.25, pitrPerGbMonth: 0.2 },
  s3: { perThousandPuts: 0.005, perThousandGets: 0.0004, storagePerGbMonth: 0.023 },
  secretsManager: { perTenThousandCalls: 0.05, perSecretMonth: 0.4 },
  logs: { ingestionPerGb: 0.5, storagePerGbMonth: 0.03 },
  xray: { perMillionTraces: 5.0 },
  scheduler: { perMillionInvocations: 1.0 },
} as const;

export type Prices = typeof PRICES;

/** Bytes in the GB of every price above (AWS bills data in binary gigabytes). */
export const GB = 1024 ** 3;
