import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue as StreamValue, DynamoDBRecord } from 'aws-lambda';
import type { StreamChange } from '../core/changes/publish';
import { describeError } from '../core/errors';
import { storedRecordOf } from './record-store';

/** A stream image's value as the SDK's: Lambda's event JSON carries binary values as base64 strings. */
function sdkValue(v: StreamValue): AttributeValue {
  if (v.B !== undefined) return { B: Buffer.from(v.B, 'base64') };
  if (v.BS !== undefined) return { BS: v.BS.map((b) => Buffer.from(b, 'base64')) };
  if (v.M !== undefined) return { M: sdkImage(v.M) };
  if (v.L !== undefined) return { L: v.L.map(sdkValue) };
  return v as AttributeValue;
}

const sdkImage = (image: Record<string, StreamValue>): Record<string, AttributeValue> =>
  Object.fromEntries(Object.entries(image).map(([k, v]) => [k, sdkValue(v)]));

const recordOf = (image: Record<string, StreamValue> | undefined) =>
  image ? storedRecordOf(unmarshall(sdkImage(image))) : undefined;

/**
 * One record of the records table's stream (NEW_AND_OLD_IMAGES) as the change publisher reads it: the item
 * before and after the write, `data` decoded (gunzipped when stored binary); an image that cannot be read is
 * marked `unreadable` with the reason, never thrown, so one corrupt item cannot hold up its shard.
 *
 * @example
 * const changes = event.Records.map(streamChange);
 */
export function streamChange(record: DynamoDBRecord): StreamChange {
  const db = record.dynamodb ?? {};
  const pk = db.Keys?.pk?.S ?? db.NewImage?.pk?.S ?? 'unknown';
  const sequenceNumber = db.SequenceNumber ?? record.eventID ?? pk;
  try {
    return { sequenceNumber, pk, previous: recordOf(db.OldImage), next: recordOf(db.NewImage) };
  } catch (err) {
    return { sequenceNumber, pk, unreadable: `the stream image could not be read: ${describeError(err).message}` };
  }
}
