import { setTimeout as sleep } from 'node:timers/promises';
import { GetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { itemSize } from 'dynalite/db/index.js';
import { messageBytes } from '../../lambdas/core/claim-check';
import type { BlobStore, QueueMessage, QueueSender } from '../../lambdas/core/ports';
import { TABLES, type TableSpec } from '../../lambdas/core/tables';
import { HTTP_API_ACCESS_LOG_FORMAT as API_ACCESS_LOG_FORMAT } from '../../lib/api-access-log';
import { billedGbSeconds, emptyUsage, indexWriteUnits, sqsRequests, writeUnits, type Usage } from './pricing';

/**
 * Typical in-region service latencies (assumed, not measured here): they are slept inside the metered
 * calls so handler durations, and so Lambda GB-seconds, include the waits a deployed handler has.
 */
export const LATENCY_MS = {
  dynamodb: 5,
  sqsSend: 8,
  s3Put: 25,
  s3Get: 15,
  secretsManager: 20,
  providerApi: 150,
} as const;

/** CloudWatch Logs meters each log event's bytes plus 26 bytes of overhead. */
const LOG_EVENT_OVERHEAD = 26;

const READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
const DATA_OPS = new Set([...READS, 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
// lib-dynamodb's commands carry their own names (PutCommand); the wire operation is the same.
const OPERATION: Record<string, string> = {
  Put: 'PutItem',
  Get: 'GetItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactWrite: 'TransactWriteItems',
  TransactGet: 'TransactGetItems',
};

export interface TableUse {
  wru: number;
  rru: number;
  requests: Map<string, number>;
  failedConditions: number;
}

// dynalite sizes items in its wire form (binary as base64).
const wire = (v: AttributeValue): unknown =>
  v.B
    ? { B: Buffer.from(v.B).toString('base64') }
    : v.M
      ? { M: Object.fromEntries(Object.entries(v.M).map(([k, x]) => [k, wire(x)])) }
      : v.L
        ? { L: v.L.map(wire) }
        : v;
export const itemBytes = (item: Record<string, AttributeValue>): number =>
  itemSize(Object.fromEntries(Object.entries(item).map(([k, v]) => [k, wire(v)])));

/**
 * DynamoDB request units as DynamoDB bills them, counted on the SDK client while the real handlers run
 * against dynalite: every data request asks for `ReturnConsumedCapacity: TOTAL` (dynalite computes it by
 * DynamoDB's rules: 1 KB writes of the larger image, 4 KB reads, half for eventually consistent); a
 * failed conditional write, which returns no capacity, is charged the existing item's size (read on the
 * side with another client, not counted), 1 when there is none.
 *
 * @example
 * const meter = new DynamoMeter(client, peekClient, 5); await work(); meter.total().wru;
 */
export class DynamoMeter {
  readonly tables = new Map<string, TableUse>();

  constructor(
    private readonly client: DynamoDBClient,
    private readonly peek: DynamoDBClient,
    private readonly latencyMs: number = LATENCY_MS.dynamodb,
  ) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (DATA_OPS.has(this.operation(context.commandName)))
          (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'TOTAL';
        return next(args);
      },
      { step: 'initialize', name: 'benchCostCapacity' },
    );
    // At build, the input is in wire form (lib-dynamodb marshals just before serializing).
    client.middlewareStack.add(
      (next, context) => async (args) =>
        this.send(this.operation(context.commandName), args.input as Record<string, unknown>, () => next(args)),
      {
        step: 'build',
        priority: 'high',
        name: 'benchCostMeter',
      },
    );
  }

  /** Stops metering this client (another meter may take it over). */
  detach(): void {
    this.client.middlewareStack.remove('benchCostCapacity');
    this.client.middlewareStack.remove('benchCostMeter');
  }

  private operation(commandName: string | undefined): string {
    const name = String(commandName ?? '').replace(/Command$/, '');
    return OPERATION[name] ?? name;
  }

  private use(table: string): TableUse {
    let t = this.tables.get(table);
    if (!t) this.tables.set(table, (t = { wru: 0, rru: 0, requests: new Map(), failedConditions: 0 }));
    return t;
  }

  private async send<T>(op: string, input: Record<string, unknown>, next: () => Promise<T>): Promise<T> {
    const table = String(input.TableName ?? Object.keys((input.RequestItems as object) ?? {})[0] ?? '?');
    const use = this.use(table);
    use.requests.set(op, (use.requests.get(op) ?? 0) + 1);
    await sleep(this.latencyMs);
    const indexed = op === 'PutItem' ? await this.beforeIndexedPut(table, input) : undefined;
    try {
      const result = await next();
      indexed?.();
      const consumed = (result as { output?: { ConsumedCapacity?: unknown } }).output?.ConsumedCapacity;
      for (const c of [consumed].flat() as ({ TableName?: string; CapacityUnits?: number } | undefined)[]) {
        if (!c?.CapacityUnits) continue;
        this.use(c.TableName ?? table)[READS.has(op) ? 'rru' : 'wru'] += c.CapacityUnits;
      }
      return result;
    } catch (err) {
      if ((err as Error)?.name === 'ConditionalCheckFailedException' && !READS.has(op)) {
        use.failedConditions += 1;
        const key =
          (input.Key as Record<string, AttributeValue> | undefined) ??
          this.keyOf(table, input.Item as Record<string, AttributeValue>);
        const { Item } = await this.peek.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }));
        use.wru += writeUnits({ newBytes: 0, oldBytes: Item ? itemBytes(Item) : undefined, conditionFailed: true });
      }
      throw err;
    }
  }

  /**
   * dynalite reports no index capacity for writes: for a put on a table with indexes, reads the item it replaces
   * (on the side, not counted) and returns what charges each index once the put succeeds.
   */
  private async beforeIndexedPut(table: string, input: Record<string, unknown>): Promise<(() => void) | undefined> {
    const spec = Object.values(TABLES).find((t) => t.name === table) as TableSpec | undefined;
    if (!spec?.indexes?.length) return undefined;
    const item = input.Item as Record<string, AttributeValue>;
    const key = this.keyOf(table, item);
    const { Item: old } = await this.peek.send(
      new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }),
    );
    return () => {
      for (const index of spec.indexes ?? []) {
        const image = (it: Record<string, AttributeValue> | undefined): Record<string, string> | null => {
          const names = [index.partitionKey, index.sortKey, spec.partitionKey, spec.sortKey].filter(
            (n): n is string => !!n,
          );
          if (!it || names.some((n) => it[n]?.S === undefined)) return null;
          return Object.fromEntries(names.map((n) => [n, it[n]!.S!]));
        };
        this.use(`${table}/index/${index.name}`).wru += indexWriteUnits(
          index,
          image(old),
          image(item),
          itemBytes(item),
        );
      }
    };
  }

  private keyOf(table: string, item: Record<string, AttributeValue>): Record<string, AttributeValue> {
    const spec = Object.values(TABLES).find((t) => t.name === table);
    if (!spec) throw new Error(`no table spec for ${table}`);
    const names = [spec.partitionKey, ...('sortKey' in spec && spec.sortKey ? [spec.sortKey] : [])];
    return Object.fromEntries(names.map((n) => [n, item[n]!]));
  }

  total(): { wru: number; rru: number } {
    let wru = 0;
    let rru = 0;
    for (const t of this.tables.values()) {
      wru += t.wru;
      rru += t.rru;
    }
    return { wru, rru };
  }
}

/** What the SQS, S3 and Secrets Manager wrappers and the event source counted. */
export interface RequestCounts {
  sqsSends: number;
  sqsReceives: number;
  sqsDeletes: number;
  s3Puts: number;
  s3Gets: number;
  s3PutBytes: number;
}

export const emptyCounts = (): RequestCounts => ({
  sqsSends: 0,
  sqsReceives: 0,
  sqsDeletes: 0,
  s3Puts: 0,
  s3Gets: 0,
  s3PutBytes: 0,
});

/** A queue sender that counts SendMessage requests (one per 64 KB chunk) and waits SQS's latency. */
export function meteredQueue(
  inner: QueueSender,
  counts: RequestCounts,
  latencyMs: number = LATENCY_MS.sqsSend,
): QueueSender {
  return {
    send: async (m: QueueMessage) => {
      counts.sqsSends += sqsRequests(messageBytes(m));
      await sleep(latencyMs);
      await inner.send(m);
    },
  };
}

/** A blob store that counts S3 PUTs and GETs and waits S3's latency. */
export function meteredBlobs(inner: BlobStore, counts: RequestCounts): BlobStore {
  return {
    put: async (key, body, opts) => {
      counts.s3Puts += 1;
      counts.s3PutBytes += Buffer.byteLength(body);
      await sleep(LATENCY_MS.s3Put);
      await inner.put(key, body, opts);
    },
    get: async (key) => {
      counts.s3Gets += 1;
      await sleep(LATENCY_MS.s3Get);
      return inner.get(key);
    },
  };
}

export type LogSource = 'ingest' | 'processor' | 'poller' | 'api';

/** Bytes CloudWatch Logs would ingest, by source and kind (a JSON log line at its level, or an EMF document). */
export class LogMeter {
  readonly bytes = new Map<string, number>();
  readonly lines = new Map<string, number>();

  /** A telemetry sink for one function's log group. */
  sink(source: LogSource): (line: string) => void {
    return (line) => {
      const kind = line.includes('"_aws"') ? 'emf' : (/"level":"(\w+)"/.exec(line)?.[1]?.toLowerCase() ?? 'other');
      this.add(`${source}:${kind}`, line);
    };
  }

  add(key: string, line: string): void {
    this.bytes.set(key, (this.bytes.get(key) ?? 0) + Buffer.byteLength(line) + LOG_EVENT_OVERHEAD);
    this.lines.set(key, (this.lines.get(key) ?? 0) + 1);
  }

  /** Sum of bytes whose key matches. */
  sum(match: (key: string) => boolean = () => true): number {
    let n = 0;
    for (const [k, v] of this.bytes) if (match(k)) n += v;
    return n;
  }
}

/**
 * The lines Lambda itself writes per invocation (text format): START, END, REPORT, plus XRAY on a
 * traced one. Their values are shaped like the real ones; only their length matters here.
 */
export function platformLines(requestId: string, durationMs: number, memoryMb: number, traced: boolean): string[] {
  const report = `REPORT RequestId: ${requestId}\tDuration: ${durationMs.toFixed(2)} ms\tBilled Duration: ${Math.ceil(durationMs)} ms\tMemory Size: ${memoryMb} MB\tMax Memory Used: ${Math.round(memoryMb * 0.4)} MB\t`;
  return [
    `START RequestId: ${requestId} Version: $LATEST`,
    `END RequestId: ${requestId}`,
    traced
      ? `${report}\nXRAY TraceId: 1-6745d1a2-0c7e3f5a9b2d4c6e8f0a1b2c\tSegmentId: 3f9a2b7c1d4e5f60\tSampled: true\t`
      : report,
  ];
}

/** The API stage's access log line for one request, in the format the stack configures. */
export function accessLogLine(r: { path: string; status: number; responseLength: number }): string {
  const values: Record<string, string> = {
    requestId: 'cQ3Lbh1XIAMEVWw=',
    'identity.sourceIp': '140.82.115.1',
    requestTime: '26/Nov/2026:22:45:30 +0000',
    httpMethod: 'POST',
    resourcePath: r.path,
    status: String(r.status),
    protocol: 'HTTP/1.1',
    responseLength: String(r.responseLength),
  };
  return API_ACCESS_LOG_FORMAT.toString().replace(/\$context\.([\w.]+)/g, (_, name: string) => values[name] ?? '-');
}

/** Invocations and billed GB-seconds of one function, with their durations. */
export class LambdaMeter {
  invocations = 0;
  gbSeconds = 0;
  readonly durations: number[] = [];

  constructor(
    readonly memoryMb: number,
    private readonly logs?: { meter: LogMeter; source: LogSource },
  ) {}

  /** Runs one invocation, timing it as Lambda bills it, and logs its platform lines. */
  async invoke<T>(work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      const ms = performance.now() - started;
      this.invocations += 1;
      this.gbSeconds += billedGbSeconds(ms, this.memoryMb);
      this.durations.push(ms);
      // Without X-Ray (the stack's default): no XRAY line in REPORT.
      for (const line of platformLines('0c6b1f3e-8a2d-4e5b-9c7f-1a2b3c4d5e6f', ms, this.memoryMb, false))
        this.logs?.meter.add(`${this.logs.source}:platform`, line);
    }
  }
}

/** Usage of one part of a run, before pricing; X-Ray and scheduler counts are filled by the caller. */
export function usageOf(parts: {
  api?: { requests: number; transferOutBytes: number };
  lambdas: LambdaMeter[];
  counts: RequestCounts;
  dynamo: { wru: number; rru: number };
  secretsCalls: number;
  logBytes: number;
}): Usage {
  const u = emptyUsage();
  u.apiRequests = parts.api?.requests ?? 0;
  u.transferOutBytes = parts.api?.transferOutBytes ?? 0;
  for (const l of parts.lambdas) {
    u.lambdaInvocations += l.invocations;
    u.lambdaGbSeconds += l.gbSeconds;
  }
  u.sqsRequests = parts.counts.sqsSends + parts.counts.sqsReceives + parts.counts.sqsDeletes;
  u.dynamoWru = parts.dynamo.wru;
  u.dynamoRru = parts.dynamo.rru;
  u.secretsManagerCalls = parts.secretsCalls;
  u.s3Puts = parts.counts.s3Puts;
  u.s3Gets = parts.counts.s3Gets;
  u.logBytes = parts.logBytes;
  return u;
}
