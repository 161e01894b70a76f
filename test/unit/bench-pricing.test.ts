import { describe, expect, it } from 'vitest';
import { addUsage, apiRequests, billedGbSeconds, emptyUsage, priceUsage, readUnits, scaleUsage, sqsRequests, total, writeUnits, xraySampled } from '../../bench/cost/pricing';
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
});
