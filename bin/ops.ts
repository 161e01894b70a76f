import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, createDynamoClient } from '../lambdas/adapters/dynamodb';
import { secretValues } from '../lambdas/core/secret-values';
import { TABLES } from '../lambdas/core/tables';
import { getProvider } from '../lambdas/providers';
import { FileSecretStore } from '../local/secrets';
import { signAs } from '../local/sign';
import { sampleGithubIssue } from '../local/samples';

const USAGE = `npm run ops -- <command> [options]

Commands (local stack; start it with npm start):
  send <provider>        send one correctly signed sample webhook
  records <provider>     list the provider's records (polled ones with their fetch time)

Options:
  --data-dir DIR         the local stack's data folder (default .local)
  --json                 machine-readable output`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'data-dir': { type: 'string', default: '.local' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
});
const [command, providerName] = positionals;
const dataDir = resolve(values['data-dir']!);

function running(): { url: string; dynamoEndpoint: string } {
  const file = resolve(dataDir, 'stack.json');
  if (!existsSync(file)) fail('the local stack is not running: start it with `npm start`');
  return JSON.parse(readFileSync(file, 'utf8')) as { url: string; dynamoEndpoint: string };
}

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

function provider(name: string | undefined) {
  const def = name ? getProvider(name) : undefined;
  if (!def) fail(`unknown provider ${name ?? '(none)'}; see lambdas/providers/index.ts`);
  return def;
}

async function send(name: string | undefined): Promise<void> {
  const def = provider(name);
  if (!def.webhook) fail(`${def.name} has no webhook`);
  const { url } = running();
  const secret = secretValues(await new FileSecretStore(resolve(dataDir, 'secrets.json')).get(def.name, def.webhook.secret))[0] ?? '';
  const body = JSON.stringify(sampleGithubIssue({ number: Math.floor(Math.random() * 1000) + 1 }));
  const signed = signAs(def.webhook.scheme, body, secret, { headers: { 'x-github-event': 'issues' } });
  const res = await fetch(`${url}/webhooks/${def.name}`, { method: 'POST', headers: signed.headers, body: signed.body });
  const text = await res.text();
  console.log(values.json ? JSON.stringify({ status: res.status, body: JSON.parse(text) as unknown }) : `${res.status} ${text}`);
  if (!res.ok) process.exit(1);
}

async function records(name: string | undefined): Promise<void> {
  const def = provider(name);
  const { dynamoEndpoint } = running();
  const doc = createDocumentClient(createDynamoClient({ endpoint: dynamoEndpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new ScanCommand({ TableName: TABLES.records.name, ExclusiveStartKey: start, FilterExpression: 'provider = :p', ExpressionAttributeValues: { ':p': def.name } }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  if (values.json) return console.log(JSON.stringify(items.map(({ data, ...rest }) => rest)));
  // Webhook records carry a version and an event; polled ones the time they were fetched.
  const when = (item: Record<string, unknown>) =>
    item.fetchedAt !== undefined ? `fetched=${new Date(Number(item.fetchedAt)).toISOString()}\tpoll=${String(item.source)}` : `version=${new Date(Number(item.version)).toISOString()}\tevent=${String(item.eventId)}`;
  for (const item of items) console.log(`${item.type}\t${item.key}\t${when(item)}`);
  console.log(`${items.length} record(s)`);
}

const commands: Record<string, (name: string | undefined) => Promise<void>> = { send, records };
if (values.help || !command || !commands[command]) {
  console.log(USAGE);
  process.exit(command && !values.help ? 2 : 0);
}
await commands[command]!(providerName);
