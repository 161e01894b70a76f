import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type AwsEndpointConfig, type AwsJsonService, AwsServiceError, awsJsonClient } from './aws-json';
import { type DocumentClient, MARSHALL_OPTIONS } from './document';

export const DYNAMODB: AwsJsonService = {
  signingName: 'dynamodb',
  targetPrefix: 'DynamoDB_20120810',
  jsonVersion: '1.0',
  endpointEnv: 'AWS_ENDPOINT_URL_DYNAMODB',
};

type Plain = Record<string, unknown>;
type Wire = Record<string, unknown>;
type Attrs = Record<string, AttributeValue>;

// The JSON protocol carries binary as base64 strings; util-dynamodb's attribute values hold bytes.
const toBase64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

function encode(v: AttributeValue): unknown {
  if (v.B) return { B: toBase64(v.B) };
  if (v.BS) return { BS: v.BS.map(toBase64) };
  if (v.M) return { M: encodeMap(v.M) };
  if (v.L) return { L: v.L.map(encode) };
  return v;
}

// A Uint8Array, not a Buffer, as the SDK's deserializer gives.
const fromBase64 = (s: string): Uint8Array => {
  const b = Buffer.from(s, 'base64');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
};

function decode(v: Record<string, unknown>): AttributeValue {
  if (typeof v.B === 'string') return { B: fromBase64(v.B) };
  if (Array.isArray(v.BS)) return { BS: (v.BS as string[]).map(fromBase64) };
  if (v.M) return { M: decodeMap(v.M as Wire) };
  if (Array.isArray(v.L)) return { L: (v.L as Wire[]).map(decode) };
  return v as unknown as AttributeValue;
}

const encodeMap = (m: Attrs): Wire => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, encode(v)]));
const decodeMap = (m: Wire): Attrs =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [k, decode(v as Record<string, unknown>)]));

/** Plain values to wire attribute values (`undefined` stays undefined, so the field is left out). */
const toWire = (plain: unknown): Wire | undefined =>
  plain === undefined ? undefined : encodeMap(marshall(plain as Plain, MARSHALL_OPTIONS) as Attrs);
const fromWire = (wire: unknown): Plain | undefined =>
  wire === undefined ? undefined : unmarshall(decodeMap(wire as Wire) as Parameters<typeof unmarshall>[0]);
const itemsFromWire = (items: unknown): Plain[] | undefined =>
  Array.isArray(items) ? items.map((i) => fromWire(i)!) : undefined;

/** The input with each named member (a map of plain values) turned into wire attribute values. */
function withWire<I extends object>(input: I, members: readonly string[]): Wire {
  const out: Wire = { ...(input as Wire) };
  for (const m of members) if (m in out) out[m] = toWire(out[m]);
  return out;
}

const BY_KEY = ['Key', 'ExpressionAttributeValues'] as const;
const LISTING = ['ExclusiveStartKey', 'ExpressionAttributeValues'] as const;

/**
 * DynamoDB's document operations over its JSON protocol (`aws-json.ts`: signed, retried by the SDK's standard
 * strategy), marshalled by util-dynamodb as lib-dynamodb does. What Lambda handlers use: the SDK's DynamoDB client and
 * its document wrapper are about 200 KB a cold start parses for these seven operations (docs/benchmarks.md#cold-start).
 *
 * @example
 * const doc = new JsonDocumentClient();
 * const { Item } = await doc.get({ TableName: 'records', Key: { pk: 'github#issue#1' } });
 */
export class JsonDocumentClient implements DocumentClient {
  private readonly call: (operation: string, input: object) => Promise<Wire>;

  constructor(config: AwsEndpointConfig = {}) {
    const call = awsJsonClient(DYNAMODB, config);
    this.call = (operation, input) =>
      call(operation, input).catch((err: unknown) => {
        // As the SDK's error: a failed condition's item (ReturnValuesOnConditionCheckFailure) as attribute values.
        const item = err instanceof AwsServiceError ? err.details?.Item : undefined;
        if (item) Object.assign(err as object, { Item: decodeMap(item as Wire) });
        throw err;
      });
  }

  async get(input: Parameters<DocumentClient['get']>[0]): ReturnType<DocumentClient['get']> {
    const out = await this.call('GetItem', withWire(input, ['Key']));
    return { ...out, Item: fromWire(out.Item), $metadata: {} };
  }

  async put(input: Parameters<DocumentClient['put']>[0]): ReturnType<DocumentClient['put']> {
    const out = await this.call('PutItem', withWire(input, ['Item', 'ExpressionAttributeValues']));
    return { ...out, Attributes: fromWire(out.Attributes), $metadata: {} };
  }

  async update(input: Parameters<DocumentClient['update']>[0]): ReturnType<DocumentClient['update']> {
    const out = await this.call('UpdateItem', withWire(input, BY_KEY));
    return { ...out, Attributes: fromWire(out.Attributes), $metadata: {} };
  }

  async delete(input: Parameters<DocumentClient['delete']>[0]): ReturnType<DocumentClient['delete']> {
    const out = await this.call('DeleteItem', withWire(input, BY_KEY));
    return { ...out, Attributes: fromWire(out.Attributes), $metadata: {} };
  }

  async query(input: Parameters<DocumentClient['query']>[0]): ReturnType<DocumentClient['query']> {
    const out = await this.call('Query', withWire(input, LISTING));
    return listing(out);
  }

  async scan(input: Parameters<DocumentClient['scan']>[0]): ReturnType<DocumentClient['scan']> {
    const out = await this.call('Scan', withWire(input, LISTING));
    return listing(out);
  }

  async batchGet(input: Parameters<DocumentClient['batchGet']>[0]): ReturnType<DocumentClient['batchGet']> {
    const requestItems = Object.fromEntries(
      Object.entries(input.RequestItems ?? {}).map(([table, r]) => [table, { ...r, Keys: r.Keys?.map(toWire) }]),
    );
    const out = await this.call('BatchGetItem', { ...input, RequestItems: requestItems });
    const responses = Object.entries((out.Responses ?? {}) as Record<string, unknown[]>).map(([t, items]) => [
      t,
      itemsFromWire(items),
    ]);
    const unprocessed = Object.entries((out.UnprocessedKeys ?? {}) as Record<string, { Keys?: unknown[] }>).map(
      ([t, r]) => [t, { ...r, Keys: r.Keys?.map((k) => fromWire(k)!) }],
    );
    return {
      ...out,
      Responses: Object.fromEntries(responses),
      UnprocessedKeys: unprocessed.length ? Object.fromEntries(unprocessed) : undefined,
      $metadata: {},
    };
  }
}

function listing(out: Wire) {
  return {
    ...out,
    Items: itemsFromWire(out.Items),
    LastEvaluatedKey: fromWire(out.LastEvaluatedKey),
    Count: out.Count as number | undefined,
    ScannedCount: out.ScannedCount as number | undefined,
    $metadata: {},
  };
}
