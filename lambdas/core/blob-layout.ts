/**
 * Where things live in the blob bucket, and the size limits that decide when a body goes there
 * (data only: CDK builds lifecycle rules and IAM grants from it, handlers build keys from it).
 */
export const BLOB_PREFIX = {
  /** Claim-checked bodies: `payloads/<provider>/<yyyy-mm-dd>/<id>`. */
  payloads: 'payloads/',
  /** Event archive: `archive/<provider>/<yyyy>/<mm>/<dd>/<hh>/<receivedAt>-<id>.jsonl.gz`. */
  archive: 'archive/',
} as const;

/** How long archived events are kept for replay. */
export const DEFAULT_ARCHIVE_RETENTION_DAYS = 7;

/** SQS's message size limit, body and attributes together (1 MiB). */
export const SQS_MESSAGE_LIMIT = 1_048_576;

/**
 * Above this (body + attributes) a body is claim-checked; the margin leaves room for attributes added later (DLQ
 * reason, replay marker).
 */
export const CLAIM_CHECK_THRESHOLD = SQS_MESSAGE_LIMIT - 64 * 1024;

/** API Gateway HTTP API's request payload limit (10 MB); bigger requests get 413 from the gateway. */
export const API_PAYLOAD_LIMIT = 10 * 1024 * 1024;

/**
 * Lambda's synchronous invoke payload: the whole event as JSON must be smaller than this ("Request must be smaller
 * than 6291456 bytes for the InvokeFunction operation"). API Gateway builds the event with the body JSON-escaped
 * (base64 for binary types) beside the headers; an event this big never reaches the function, and API Gateway
 * answers 500 itself.
 */
export const LAMBDA_INVOKE_LIMIT = 6_291_456;

/**
 * The largest webhook body the ingest function accepts (5 MiB); bigger ones get 413. Lambda's synchronous
 * invoke payload is 6 MB for the whole event, where the body is a JSON-escaped string (quotes double) plus
 * headers: 5 MiB of JSON fits with room to spare, so every body under it is answered by our code.
 */
export const WEBHOOK_BODY_LIMIT = 5 * 1024 * 1024;
