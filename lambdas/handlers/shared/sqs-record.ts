import type { SQSRecord } from 'aws-lambda';
import type { Delivery } from '../../core/failure-policy';

/** A record's string message attributes (SQS hands binary ones too; the stack sets none). */
export function messageAttributes(record: SQSRecord): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(record.messageAttributes ?? {}))
    if (typeof v.stringValue === 'string') out[k] = v.stringValue;
  return out;
}

/** A record as the failure policy sees it (core/failure-policy.ts). */
export function deliveryOf(record: SQSRecord): Delivery {
  return {
    body: record.body,
    attributes: messageAttributes(record),
    receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 1),
  };
}
