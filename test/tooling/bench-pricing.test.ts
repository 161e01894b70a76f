import { describe, expect, it } from 'vitest';
import {
  addUsage,
  apiRequests,
  billedGbSeconds,
  emptyUsage,
  priceUsage,
  readUnits,
  scaleUsage,
  sqsRequests,
  total,
  writeUnits,
  indexWriteUnits,
  xraySampled,
} from '../../bench/cost/pricing';
import { atBatch, batchModel, meanBatch, withTraffic } from '../../bench/cost/model';
import { GB, PRICES } from '../../bench/prices';

describe('cost arithmetic (counts -> dollars at the stated prices)', () => {
  it('prices each service from its own counts', () => {
    const b = priceUsage({
      ...emptyUsage(),
      apiRequests: 1e6,
      lambdaInvocations: 2e6,
      lambdaGbSeconds: 10_000,
      sqsRequests: 3e6,
      dynamoWru: 8e6,
      dynamoRru: 4e6,
      secretsManagerCalls: 20_000,
      s3Puts: 100_000,
      s3Gets: 10_000,
      logBytes: 2 * GB,
      xrayTraces: 1e5,
      schedulerInvocations: 1e6,
      transferOutBytes: GB,
    });
    expect(b.apiGateway).toBeCloseTo(1.0, 10);
    expect(b.lambda).toBeCloseTo(0.4 + 0.133334, 10);
    expect(b.sqs).toBeCloseTo(1.2, 10);
    expect(b.dynamodb).toBeCloseTo(5.0 + 0.5, 10);
    expect(b.secretsManager).toBeCloseTo(0.1, 10);
    expect(b.s3).toBeCloseTo(0.5 + 0.004, 10);
    expect(b.logs).toBeCloseTo(1.0, 10);
    expect(b.xray).toBeCloseTo(0.5, 10);
    expect(b.scheduler).toBeCloseTo(1.0, 10);
    expect(b.transferOut).toBeCloseTo(0.09, 10);
    expect(total(b)).toBeCloseTo(1 + 0.533334 + 1.2 + 5.5 + 0.1 + 0.504 + 1 + 0.5 + 1 + 0.09, 10);
  });

  it('costs nothing for no usage, and scales linearly (per million = usage x 1e6 / events)', () => {
    expect(total(priceUsage(emptyUsage()))).toBe(0);
    const perEvent = { ...emptyUsage(), apiRequests: 1, dynamoWru: 3 };
    expect(total(priceUsage(scaleUsage(perEvent, 1e6)))).toBeCloseTo(1 + 3 * 0.625, 10);
    expect(addUsage(perEvent, perEvent).dynamoWru).toBe(6);
  });

  it('bills Lambda per started millisecond times the configured memory', () => {
    expect(billedGbSeconds(12.1, 256)).toBeCloseTo(0.013 * 0.25, 12);
    expect(billedGbSeconds(1000, 1024)).toBe(1);
    expect(billedGbSeconds(0.2, 512)).toBeCloseTo(0.0005, 12);
  });

  it('counts SQS requests per 64 KB chunk and API requests per 512 KB', () => {
    expect(sqsRequests(5_000)).toBe(1);
    expect(sqsRequests(64 * 1024)).toBe(1);
    expect(sqsRequests(64 * 1024 + 1)).toBe(2);
    expect(sqsRequests(0)).toBe(1);
    expect(apiRequests(5_000)).toBe(1);
    expect(apiRequests(512 * 1024 + 1)).toBe(2);
  });

  it('counts DynamoDB units by item size, consistency and condition outcome', () => {
    expect(writeUnits({ newBytes: 300 })).toBe(1);
    expect(writeUnits({ newBytes: 5_200 })).toBe(6);
    // Replacing an item costs the larger of the two.
    expect(writeUnits({ newBytes: 900, oldBytes: 3_000 })).toBe(3);
    // A failed condition costs the existing item's size, or 1 when there is none.
    expect(writeUnits({ newBytes: 5_200, oldBytes: 2_100, conditionFailed: true })).toBe(3);
    expect(writeUnits({ newBytes: 5_200, conditionFailed: true })).toBe(1);
    expect(readUnits(3_500, true)).toBe(1);
    expect(readUnits(5_000, true)).toBe(2);
    expect(readUnits(5_000, false)).toBe(1);
    expect(readUnits(100, false)).toBe(0.5);
  });

  it("samples X-Ray traces with Lambda's fixed rule: one a second, then 5 %", () => {
    expect(xraySampled(0.4)).toBe(1);
    expect(xraySampled(1)).toBe(1);
    expect(xraySampled(10)).toBeCloseTo(0.145, 10);
    expect(xraySampled(1000)).toBeCloseTo(0.05095, 5);
  });

  it('states the date and region of its prices', () => {
    expect(PRICES.region).toBe('us-east-1');
    expect(PRICES.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('splits usage into per-event and per-batch parts from two batch sizes, and re-prices any batch fill', () => {
    // 1 API request per event; 1 S3 PUT per batch.
    const at = (b: number) => ({ ...emptyUsage(), apiRequests: 1, s3Puts: 1 / b });
    const m = batchModel({ usage: at(8), batch: 8 }, { usage: at(1), batch: 1 });
    expect(m.perEvent.apiRequests).toBeCloseTo(1, 10);
    expect(m.perEvent.s3Puts).toBeCloseTo(0, 10);
    expect(m.perBatch.s3Puts).toBeCloseTo(1, 10);
    expect(atBatch(m, 10).s3Puts).toBeCloseTo(0.1, 10);
    expect(() => batchModel({ usage: at(2), batch: 2 }, { usage: at(2), batch: 2 })).toThrow();
  });

  it('fills a batch with what arrives within the window, up to the batch size', () => {
    expect(meanBatch(0.064, 1, 10)).toBeCloseTo(1.064, 10);
    expect(meanBatch(10, 1, 10)).toBe(10);
    expect(meanBatch(0.064, 60, 10)).toBeCloseTo(4.84, 10);
  });

  it('adds secret fetches per cache TTL and X-Ray traces for a traffic profile', () => {
    const p = { name: 'p', label: 'p', perProvider: 10, providers: 6 };
    const u = withTraffic(emptyUsage(), p, { batch: 10, secretsCallsPerTtl: 6, ttlSeconds: 300, tracing: true });
    expect(u.secretsManagerCalls).toBeCloseTo(6 / (300 * 60), 12);
    // ingest: 14.5 % of webhooks; processor: its one batch a second, every one.
    expect(u.xrayTraces).toBeCloseTo(0.145 + 0.1, 10);
    expect(
      withTraffic(emptyUsage(), p, { batch: 10, secretsCallsPerTtl: 6, ttlSeconds: 300, tracing: false }).xrayTraces,
    ).toBe(0);
  });

  it('charges a keys-only index only when an item enters, leaves or changes its keys; an ALL index on every write', () => {
    const keys = { provider: 'github', pk: 'github#issue#octo/repo#1' };
    const keysOnly = { keysOnly: true };
    expect(indexWriteUnits(keysOnly, null, keys)).toBe(1);
    expect(indexWriteUnits(keysOnly, keys, keys)).toBe(0);
    expect(indexWriteUnits(keysOnly, keys, { ...keys, provider: 'gh' })).toBe(2);
    expect(indexWriteUnits(keysOnly, keys, null)).toBe(1);
    expect(indexWriteUnits(keysOnly, null, null)).toBe(0);
    expect(indexWriteUnits({}, keys, keys, 2_500)).toBe(3);
  });
});
