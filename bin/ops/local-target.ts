import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, createDynamoClient } from '../../lambdas/adapters/dynamodb';
import type { DeadLetter } from '../../lambdas/core/dead-letter-summary';
import type { QueueMessage } from '../../lambdas/core/ports';
import { FileBlobStore } from '../../local/file-blob-store';
import type { OpsTarget } from './target';

/** What `npm start` writes to `<dataDir>/stack.json` for the ops CLI. */
export interface RunningStack {
  url: string;
  dynamoEndpoint: string;
  adminUrl: string;
  pid: number;
}

/** A document client for the running local stack's DynamoDB (dynalite). */
export function localDynamo(endpoint: string): DynamoDBDocumentClient {
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  return createDocumentClient(createDynamoClient({ endpoint, region: 'local', credentials }));
}

export function runningStack(dataDir: string): RunningStack {
  const file = join(dataDir, 'stack.json');
  if (!existsSync(file)) throw new Error('the local stack is not running: start it with `npm start`');
  return JSON.parse(readFileSync(file, 'utf8')) as RunningStack;
}

/**
 * The running local stack, through its 127.0.0.1 admin API (see local/admin-api.ts); the archive
 * is read straight from `<dataDir>/blobs/`.
 *
 * @example
 * const target = new LocalOpsTarget(stack.adminUrl, '.local');
 * await target.redrive('github', { wait: true });
 */
export class LocalOpsTarget implements OpsTarget {
  readonly where: string;
  readonly blobs: FileBlobStore;

  constructor(
    private readonly adminUrl: string,
    dataDir: string,
  ) {
    this.where = `local stack (${adminUrl})`;
    this.blobs = new FileBlobStore(join(dataDir, 'blobs'));
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.adminUrl}${path}`, {
      method,
      // The admin API takes JSON only, body or not (local/request-guard.ts).
      headers: method === 'GET' ? undefined : { 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = (await res.json()) as T & { error?: string };
    if (!res.ok) throw new Error(`local admin API ${method} ${path}: ${res.status} ${json.error ?? ''}`);
    return json;
  }

  listDlq(provider: string, limit: number): Promise<{ messages: DeadLetter[]; total: number }> {
    return this.call('GET', `/_local/queues/${encodeURIComponent(provider)}/dlq?limit=${limit}`);
  }

  async redrive(provider: string): Promise<{ moved: number; status: string }> {
    const { moved } = await this.call<{ moved: number }>(
      'POST',
      `/_local/queues/${encodeURIComponent(provider)}/redrive`,
    );
    return { moved, status: 'COMPLETED' };
  }

  async enqueue(provider: string, messages: QueueMessage[]): Promise<void> {
    await this.call('POST', `/_local/queues/${encodeURIComponent(provider)}/messages`, { messages });
  }
}
