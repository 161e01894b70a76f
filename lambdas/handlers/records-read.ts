import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { JsonDocumentClient } from '../adapters/dynamodb-json';
import { DynamoRecordStore } from '../adapters/record-store';
import { DynamoSyncState } from '../adapters/sync-state';
import { ENV } from '../core/env-contract';
import { InvalidCursor, type SyncRecordStore } from '../core/records';
import type { SyncStateStore } from '../core/sync/state';
import { lastKnown } from '../core/sync/read-records';
import { type PollsRegistry, pollsRegistry } from '../core/provider';
import { once, required } from './shared/lambda-init';

export type RecordsReadHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

/**
 * `GET /records/{provider}/{type}[?key=K][&limit=N][&cursor=C]`: the last known records with their fetch times,
 * from our table alone, so consumers keep reading while a provider is down (graceful degradation); a listing
 * answers `next`, the cursor of the following page (null on the last).
 *
 * @example
 * const read = createRecordsReadHandler({ records, state, registry: getProvider });
 * await read(apiGatewayV2Event); // 200 { provider, type, lastSyncedAt, next, records: [...] }
 */
export function createRecordsReadHandler(deps: {
  records: SyncRecordStore;
  state: SyncStateStore;
  registry: PollsRegistry;
}): RecordsReadHandler {
  return async (event) => {
    const fromPath = /^\/records\/([^/]+)\/([^/]+)$/.exec(event.rawPath ?? '');
    const provider = event.pathParameters?.provider ?? (fromPath ? decodeURIComponent(fromPath[1]!) : undefined);
    const type = event.pathParameters?.type ?? (fromPath ? decodeURIComponent(fromPath[2]!) : undefined);
    if (!provider || !type || !deps.registry(provider)) return json(404, { error: 'unknown_provider' });
    const limit = Number(event.queryStringParameters?.limit ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      return json(400, { error: 'limit must be an integer from 1 to 1000' });
    const { key, cursor } = event.queryStringParameters ?? {};
    try {
      return json(200, await lastKnown(deps, { provider, type, key, limit, cursor }));
    } catch (err) {
      if (err instanceof InvalidCursor) return json(400, { error: 'cursor is not one this listing handed out' });
      throw err;
    }
  };
}

/**
 * The polls catalogue CDK compiled into this bundle at synth (ENV.recordPolls), not the provider definitions, whose
 * schemas would double the bundle. Spelled out so esbuild's define replaces it; tests set it in the environment.
 */
function recordPolls(): string {
  const catalogue = process.env.RECORD_POLLS;
  if (!catalogue) throw new Error('RECORD_POLLS is not set: the records API needs its polls catalogue');
  return catalogue;
}

const aws = once(() => {
  const doc = new JsonDocumentClient();
  const tables = {
    checkpoints: required(ENV.checkpointsTable),
    gaps: required(ENV.gapsTable),
    quarantine: required(ENV.quarantineTable),
  };
  return createRecordsReadHandler({
    records: new DynamoRecordStore(doc, required(ENV.recordsTable)),
    state: new DynamoSyncState(doc, tables),
    registry: pollsRegistry(JSON.parse(recordPolls())),
  });
});

export const handler: RecordsReadHandler = (event) => aws()(event);
