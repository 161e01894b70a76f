import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocument } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, createDynamoClient } from '../../lambdas/adapters/dynamodb';
import type { DeadLetter } from '../../lambdas/core/dead-letter-summary';
import type { QueueMessage } from '../../lambdas/core/ports';
import { TABLES } from '../../lambdas/core/tables';
import { FileBlobStore } from '../../local/file-blob-store';
import type { OpsTables, OpsTarget, QueueRef } from './target';

/** What `npm start` writes to `<dataDir>/stack.json` for the ops CLI. */
export interface RunningStack {
  url: string;
  dynamoEndpoint: string;
  adminUrl: string;
  pid: number;
}

/** A client for the running local stack's DynamoDB (dynalite). */
function localDynamoClient(endpoint: string): DynamoDBClient {
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  return createDynamoClient({ endpoint, region: 'local', credentials });
}

/** A document client for the running local stack's DynamoDB (dynalite). */
export function localDynamo(endpoint: string): DynamoDBDocument {
  return createDocumentClient(localDynamoClient(endpoint));
}

export function runningStack(dataDir: string): RunningStack {
  const file = join(dataDir, 'stack.json');
  if (!existsSync(file)) throw new Error('the local stack is not running: start it with `npm start`');
  return JSON.parse(readFileSync(file, 'utf8')) as RunningStack;
}

/** One call to the running stack's admin API (local/admin-api.ts), its JSON answer or an error naming the call. */
export async function adminCall<T>(adminUrl: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${adminUrl}${path}`, {
    method,
    // The admin API takes JSON only, body or not (local/request-guard.ts).
    headers: method === 'GET' ? undefined : { 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await res.json()) as T & { error?: string };
  if (!res.ok) throw new Error(`local admin API ${method} ${path}: ${res.status} ${json.error ?? ''}`);
  return json;
}

/** Puts messages on a provider's webhook queue of the running stack, as delivered webhooks are. */
export async function enqueueLocal(adminUrl: string, provider: string, messages: QueueMessage[]): Promise<void> {
  await adminCall(adminUrl, 'POST', `/_local/queues/${encodeURIComponent(provider)}/messages`, { messages });
}

const queuePath = (ref: QueueRef, action: string) =>
  `/_local/queues/${encodeURIComponent(ref.provider)}/${ref.kind}/${action}`;

/**
 * The running local stack, through its 127.0.0.1 admin API (see local/admin-api.ts); the archive
 * is read straight from `<dataDir>/blobs/`, the tables from its DynamoDB.
 *
 * @example
 * const target = new LocalOpsTarget(runningStack('.local'), '.local');
 * await target.redrive({ provider: 'github', kind: 'webhooks' }, { wait: true });
 */
export class LocalOpsTarget implements OpsTarget {
  readonly where: string;
  readonly blobs: FileBlobStore;
  private readonly adminUrl: string;

  constructor(
    private readonly stack: RunningStack,
    dataDir: string,
  ) {
    this.adminUrl = stack.adminUrl;
    this.where = `local stack (${stack.adminUrl})`;
    this.blobs = new FileBlobStore(join(dataDir, 'blobs'));
  }

  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return adminCall<T>(this.adminUrl, method, path, body);
  }

  listDlq(ref: QueueRef, limit: number): Promise<{ messages: DeadLetter[]; total: number }> {
    return this.call('GET', `${queuePath(ref, 'dlq')}?limit=${limit}`);
  }

  async redrive(ref: QueueRef): Promise<{ moved: number; status: string }> {
    const { moved } = await this.call<{ moved: number }>('POST', queuePath(ref, 'redrive'), {});
    return { moved, status: 'COMPLETED' };
  }

  async moveMessages(ref: QueueRef, messageIds: readonly string[]): Promise<number> {
    return (await this.call<{ moved: number }>('POST', queuePath(ref, 'redrive'), { messageIds })).moved;
  }

  async deleteMessages(ref: QueueRef, messageIds: readonly string[]): Promise<number> {
    return (await this.call<{ deleted: number }>('POST', queuePath(ref, 'delete'), { messageIds })).deleted;
  }

  async runPoll(provider: string, poll: string): Promise<void> {
    await this.call('POST', `/_local/polls/${encodeURIComponent(provider)}/${encodeURIComponent(poll)}/run`, {});
  }

  async runRecovery(provider: string, recovery: string): Promise<void> {
    await this.call(
      'POST',
      `/_local/recoveries/${encodeURIComponent(provider)}/${encodeURIComponent(recovery)}/run`,
      {},
    );
  }

  enqueue(provider: string, messages: QueueMessage[]): Promise<void> {
    return enqueueLocal(this.adminUrl, provider, messages);
  }

  tables(): OpsTables {
    return { doc: localDynamo(this.stack.dynamoEndpoint), name: (t) => TABLES[t].name };
  }
}
