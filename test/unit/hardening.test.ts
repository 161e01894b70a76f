import { describe, expect, it } from 'vitest';
import { boundedKey, MAX_EVENT_ID_BYTES } from '../../lambdas/core/bounded-key';
import { IntegrationError } from '../../lambdas/core/errors';
import { isFinalAttempt, isUnfixable } from '../../lambdas/core/failure-policy';
import { jsonTooDeep, MAX_JSON_DEPTH } from '../../lambdas/core/json-depth';
import { parseWebhookBody } from '../../lambdas/core/parse-body';
import { printable, terminalSafe } from '../../lambdas/core/printable';
import { silentTelemetry } from '../../lambdas/core/ports';
import { processEvent } from '../../lambdas/core/process-event';
import { recordKey } from '../../lambdas/core/records';
import { getProvider } from '../../lambdas/providers';
import { commandFromMessage, parseCommand } from '../../lambdas/core/writes/command';

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('JSON nesting bound', () => {
  it('counts objects and arrays, not brackets inside strings or after escaped quotes', () => {
    expect(jsonTooDeep(nested(MAX_JSON_DEPTH))).toBe(false);
    expect(jsonTooDeep(nested(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(jsonTooDeep('{"a":{"b":[1]}}', 3)).toBe(false);
    expect(jsonTooDeep('{"a":{"b":[1]}}', 2)).toBe(true);
    expect(jsonTooDeep(`{"a":"${'['.repeat(500)}"}`, 2)).toBe(false);
    expect(jsonTooDeep(`{"a":"\\"${'['.repeat(500)}"}`, 2)).toBe(false);
    expect(jsonTooDeep(`{"a":"\\\\","b":${nested(10)}}`, 5)).toBe(true);
    expect(jsonTooDeep('"never closed [[[[[[', 2)).toBe(false);
  });

  it('is what parseWebhookBody enforces, for JSON and for a form carrying JSON', () => {
    expect(() => parseWebhookBody(nested(100_000), 'application/json')).toThrow(IntegrationError);
    const form = `payload=${encodeURIComponent(nested(1000))}`;
    expect(() => parseWebhookBody(form, 'application/x-www-form-urlencoded')).toThrow(/deeper than 128/);
    expect(parseWebhookBody(nested(5), undefined)).toEqual([[[[[]]]]]);
  });
});

describe('ids and keys from outside are bounded', () => {
  it('keeps real ids as they are', () => {
    for (const id of ['d1f1c3a0-5f2b-11ee-8c99-0242ac120002', 'evt_1NG8Du2eZvKYlo2CUI79vXWy', 'msg_2KWPBgLlAfx'])
      expect(boundedKey(id, MAX_EVENT_ID_BYTES)).toBe(id);
  });

  it('hashes long, control-character and hash-shaped ids into distinct bounded keys', () => {
    const long = boundedKey('x'.repeat(3000), 200);
    expect(long).toMatch(/^x{32}~sha256:[0-9a-f]{64}$/);
    expect(boundedKey(`${'x'.repeat(2999)}y`, 200)).not.toBe(long);
    expect(boundedKey('a\nb', 200)).toMatch(/^a_b~sha256:/);
    // Bounding a bounded key changes nothing: the processor bounds keys the ingest bounded already.
    expect(boundedKey(long, 200)).toBe(long);
    expect(boundedKey('é'.repeat(150), 200)).toMatch(/~sha256:/);
  });

  it('keeps every record key the processor writes under DynamoDB 2,048-byte partition key limit', async () => {
    const keys: string[] = [];
    const records = {
      upsertIfNewer: async (provider: string, change: { type: string; key: string }) => {
        keys.push(recordKey(provider, change.type, change.key));
        return 'written' as const;
      },
      get: async () => undefined,
    };
    const envelope = {
      provider: 'github',
      eventId: 'a/b#1',
      traceId: 't',
      receivedAt: 0,
      headers: { 'x-github-event': 'e'.repeat(5000) },
      rawBody: '{"action":"created"}',
    };
    await processEvent(envelope, { registry: getProvider, records, telemetry: silentTelemetry, now: () => 0 });
    await processEvent(
      { ...envelope, eventId: 'k'.repeat(5000), headers: { 'x-github-event': 'star' } },
      { registry: getProvider, records, telemetry: silentTelemetry, now: () => 0 },
    );
    expect(keys[0]).toMatch(/^github#event:e{26}~sha256:[0-9a-f]{64}#a\/b#1$/);
    expect(keys[1]).toMatch(/^github#event:star#k{32}~sha256:[0-9a-f]{64}$/);
  });
});

describe('errors no retry can fix', () => {
  it('are permanent at once: permanent IntegrationErrors, RangeErrors, ValidationExceptions', () => {
    const validation = Object.assign(new Error('Item size has exceeded the maximum allowed size'), {
      name: 'ValidationException',
    });
    for (const err of [new IntegrationError('invalid_payload', 'x'), new RangeError('stack'), validation]) {
      expect(isUnfixable(err)).toBe(true);
      expect(isFinalAttempt(err, 1, 5)).toBe(true);
    }
    const throttled = Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' });
    expect(isUnfixable(throttled)).toBe(false);
    expect(isUnfixable(new IntegrationError('retryable', 'x'))).toBe(false);
  });
});

describe('terminal and echo safety', () => {
  it('escapes control characters and bounds length', () => {
    expect(printable('a\nINFO forged\u001b[31m\u009b\u202e', 64)).toBe('a\\nINFO forged\\u001b[31m\\u009b\\u202e');
    expect(printable('x'.repeat(500), 10)).toBe('xxxxxxxxxx...(+490 chars)');
    expect(terminalSafe('line 1\tok\nline 2\u001b[2J')).toBe('line 1\tok\nline 2\\u001b[2J');
  });
});

describe('correlation ids', () => {
  const command = { commandId: 'c-1', provider: 'stripe', operation: 'createCustomer', input: {} };
  it('are validated like command ids: visible ASCII, at most 128', () => {
    expect(
      parseCommand({ ...command, correlationId: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }),
    ).toBeTruthy();
    for (const bad of ['a\r\nX-Injected: 1', 'a b', '\u001b[31m', 'x'.repeat(129), ''])
      expect(() => parseCommand({ ...command, correlationId: bad }), JSON.stringify(bad)).toThrow(/correlationId/);
  });

  it('make an already queued poison command permanent (invalid_payload), never retried', () => {
    const body = JSON.stringify({ ...command, correlationId: 'a\nb' });
    expect(() => commandFromMessage(body)).toThrow(expect.objectContaining({ kind: 'invalid_payload' }));
  });
});
