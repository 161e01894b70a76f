import { BLOB_PREFIX, CLAIM_CHECK_THRESHOLD } from './blob-layout';
import { ATTR } from './event-message';
import type { BlobStore, QueueMessage } from './ports';

/** Bytes SQS counts for a message: the body plus each attribute's name, type (`String`) and value. */
export function messageBytes(message: QueueMessage): number {
  let total = Buffer.byteLength(message.body);
  for (const [name, value] of Object.entries(message.attributes))
    total += Buffer.byteLength(name) + 6 + Buffer.byteLength(value);
  return total;
}

/** Key of a claim-checked body: per provider (IAM grants are per provider prefix), per day. */
export const payloadKey = (provider: string, at: Date, id: string): string =>
  `${BLOB_PREFIX.payloads}${provider}/${at.toISOString().slice(0, 10)}/${id}`;

/**
 * The claim-check pattern: a message too big for the queue keeps its attributes, its body goes to
 * the blob store and the message carries the key (attribute `bodyRef`). Returns the message to send,
 * or `undefined` when it is too big and there is no blob store.
 *
 * @example
 * const sendable = await claimCheck(message, { blobs, key: () => payloadKey('github', now, randomUUID()) });
 * if (sendable) await queue.send(sendable);
 */
export async function claimCheck(
  message: QueueMessage,
  opts: { blobs?: BlobStore; key(): string; threshold?: number },
): Promise<QueueMessage | undefined> {
  if (messageBytes(message) <= (opts.threshold ?? CLAIM_CHECK_THRESHOLD)) return message;
  if (!opts.blobs) return undefined;
  const key = opts.key();
  await opts.blobs.put(key, message.body, { contentType: 'application/json' });
  // SQS needs a non-empty body; the key doubles as a readable placeholder.
  return { body: key, attributes: { ...message.attributes, [ATTR.bodyRef]: key } };
}

/**
 * The body a queued message stands for: its own body, or the claim-checked one it points to.
 *
 * @example
 * const rawBody = await claimedBody(record.body, attributes, blobs);
 */
export async function claimedBody(
  body: string,
  attributes: Record<string, string | undefined>,
  blobs: BlobStore | undefined,
): Promise<string> {
  const ref = attributes[ATTR.bodyRef];
  if (!ref) return body;
  if (!blobs) throw new Error(`message body is in the blob store (${ref}) but no blob store is configured`);
  return (await blobs.get(ref)).toString('utf8');
}
