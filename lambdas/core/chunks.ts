/**
 * Items in order, cut into chunks of at most `entries` items and `bytes` in total (`sizeOf` each), as batch APIs
 * take them (SQS SendMessageBatch, EventBridge PutEvents). An item larger than `bytes` alone is a chunk of its own.
 *
 * @example
 * chunked(messages, { entries: 10, bytes: 1_048_576 }, messageBytes) // [[m1, ..., m10], [m11]]
 */
export function chunked<T>(
  items: readonly T[],
  limits: { entries: number; bytes: number },
  sizeOf: (item: T) => number,
): T[][] {
  const out: T[][] = [];
  let chunk: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (chunk.length > 0 && (chunk.length >= limits.entries || bytes + size > limits.bytes)) {
      out.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += size;
  }
  if (chunk.length > 0) out.push(chunk);
  return out;
}
