import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { InvalidCursor, type StoredRecord, type SyncRecordStore } from '../../../lambdas/core/records';
import type { SyncStateStore } from '../../../lambdas/core/sync/state';
import { createRecordsReadHandler } from '../../../lambdas/handlers/records-read';
import { pollsRegistry, recordPollsOf } from '../../../lambdas/core/provider';
import { providers } from '../../../lambdas/providers';

const stored: StoredRecord = {
  pk: 'football#fixture#1#2024-08-16',
  provider: 'football',
  type: 'fixture',
  key: '1#2024-08-16',
  data: { id: 1 },
  writtenAt: 2,
  fetchedAt: 1,
  source: 'poll',
} as StoredRecord;
const records = {
  get: async () => stored,
  list: async (_p: string, _t: string, opts: { cursor?: string }) => {
    if (opts.cursor === 'forged') throw new InvalidCursor();
    return opts.cursor ? { records: [stored] } : { records: [stored], next: 'page-2' };
  },
} as unknown as SyncRecordStore;
const state = { getCheckpoint: async () => ({ lastSyncedAt: 1_700_000_000_000 }) } as unknown as SyncStateStore;
// The catalogue as the deployed function reads it: written by CDK at synth, compiled in as a JSON string.
const read = createRecordsReadHandler({
  records,
  state,
  registry: pollsRegistry(JSON.parse(JSON.stringify(recordPollsOf(providers)))),
});
const event = (path: string, query?: Record<string, string>) =>
  ({ rawPath: path, queryStringParameters: query }) as unknown as APIGatewayProxyEventV2;

describe('GET /records/{provider}/{type}', () => {
  it('serves the last known records with their fetch time and when the poll last synced', async () => {
    const res = await read(event('/records/football/fixture', { key: '1#2024-08-16' }));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body!)).toMatchObject({
      provider: 'football',
      type: 'fixture',
      lastSyncedAt: 1_700_000_000_000,
      records: [{ key: '1#2024-08-16', fetchedAt: 1, source: 'poll' }],
    });
  });

  it('pages a listing: next is the cursor of the following page, null on the last', async () => {
    const first = JSON.parse((await read(event('/records/football/fixture', { limit: '1' }))).body!);
    expect(first).toMatchObject({ next: 'page-2', records: [{ key: '1#2024-08-16' }] });
    const second = JSON.parse((await read(event('/records/football/fixture', { cursor: first.next }))).body!);
    expect(second.next).toBeNull();
  });

  it('answers 400 for a cursor the listing did not hand out', async () => {
    const res = await read(event('/records/football/fixture', { cursor: 'forged' }));
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body!).error).toMatch(/cursor/);
  });

  it('answers 404 for an unknown provider and 400 for a limit out of range', async () => {
    expect((await read(event('/records/nope/fixture'))).statusCode).toBe(404);
    expect((await read(event('/records/constructor/fixture'))).statusCode).toBe(404);
    expect((await read(event('/records/football/fixture', { limit: '0' }))).statusCode).toBe(400);
    expect((await read(event('/records/football/fixture', { limit: 'many' }))).statusCode).toBe(400);
  });
});
