import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, createDynamoClient } from '../lambdas/adapters/dynamodb';
import { secretValues } from '../lambdas/core/secret-values';
import { TABLES } from '../lambdas/core/tables';
import { getProvider, providers } from '../lambdas/providers';
import { DEFAULT_STAGE, stackName } from '../lib/stages';
import { DynamoApiNoticeStore } from '../lambdas/adapters/api-notice-store';
import { FileSecretStore } from '../local/secrets';
import { signAs } from '../local/sign';
import { sampleGithubIssue } from '../lambdas/providers/github';
import { dlq, dlqText } from './ops/dlq';
import { redrive, redriveText } from './ops/redrive';
import { replay, replayText } from './ops/replay';
import { LocalOpsTarget, runningStack } from './ops/local-target';
import type { OpsTarget } from './ops/target';
import { DynamoCommandStore } from '../lambdas/adapters/command-store';
import { commandsText, listCommands, sendCommand, sentText } from './ops/commands';
import { versionsReport, versionsText } from './ops/versions';

const USAGE = `npm run ops -- <command> [options]

Commands (local stack; start it with npm start):
  send <provider>        send one correctly signed sample webhook
  records <provider>     list the provider's records (polled ones with their fetch time)
  dlq <provider>         list dead-lettered messages with their failure reasons (--limit N, default 100)
  redrive <provider>     move the provider's DLQ back to its queue (--no-wait: start it and return, AWS)
  replay <provider> --from ISO --to ISO
                         re-enqueue archived events received in [from, to) (--dry-run: only count)
  command <provider> <operation> --input JSON [--id ID]
                         send one write command (POST /commands/<provider>); a new id unless --id
  commands --provider P  list the provider's command outcomes (status, provider id, attempts, last error)
  versions [provider]    pinned API versions, endpoints in use, deprecations and sunsets seen

Options:
  --data-dir DIR         the local stack's data folder (default .local)
  --aws                  dlq, redrive, replay and versions act on a deployed stage (AWS credentials and
                         region from the usual variables or profile)
  --stage NAME           which stage with --aws (default dev: stack IntegrationStack-dev); --stack NAME overrides
  --json                 machine-readable output`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'data-dir': { type: 'string', default: '.local' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
    aws: { type: 'boolean', default: false },
    stage: { type: 'string', default: DEFAULT_STAGE },
    stack: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    limit: { type: 'string', default: '100' },
    'dry-run': { type: 'boolean', default: false },
    'no-wait': { type: 'boolean', default: false },
    input: { type: 'string' },
    id: { type: 'string' },
    provider: { type: 'string' },
  },
});
const [command, providerName] = positionals;
const dataDir = resolve(values['data-dir']!);

function running(): { url: string; dynamoEndpoint: string; adminUrl: string } {
  try {
    return runningStack(dataDir);
  } catch (err) {
    fail((err as Error).message);
  }
}

async function target(): Promise<OpsTarget> {
  if (values.aws) {
    const { AwsOpsTarget } = await import('./ops/aws-target');
    return AwsOpsTarget.connect(awsStack());
  }
  const { adminUrl } = running();
  if (!adminUrl) fail('the running local stack has no admin API: restart it with `npm start`');
  return new LocalOpsTarget(adminUrl, dataDir);
}

function awsStack(): string {
  return values.stack ?? stackName(values.stage!);
}

function print<T>(result: T, text: (r: T) => string): void {
  console.log(values.json ? JSON.stringify(result) : text(result));
}

function date(flag: 'from' | 'to'): Date {
  const value = values[flag];
  const d = value ? new Date(value) : undefined;
  if (!d || Number.isNaN(d.getTime())) fail(`--${flag} needs an ISO date, e.g. --${flag} 2024-05-01T00:00:00Z`);
  return d;
}

const opsCommands = {
  dlq: async (name: string | undefined) =>
    print(await dlq(await target(), provider(name).name, { limit: Math.max(1, Number(values.limit) || 100) }), dlqText),
  redrive: async (name: string | undefined) =>
    print(await redrive(await target(), provider(name).name, { wait: !values['no-wait'] }), redriveText),
  replay: async (name: string | undefined) => {
    const def = provider(name);
    print(
      await replay(await target(), def.name, {
        from: date('from'),
        to: date('to'),
        now: new Date(),
        dryRun: values['dry-run'],
      }),
      replayText,
    );
  },
};

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
  const secret =
    secretValues(await new FileSecretStore(resolve(dataDir, 'secrets.json')).get(def.name, def.webhook.secret))[0] ??
    '';
  const body = JSON.stringify(sampleGithubIssue({ number: Math.floor(Math.random() * 1000) + 1 }));
  const signed = signAs(def.webhook.scheme, body, secret, { headers: { 'x-github-event': 'issues' } });
  const res = await fetch(`${url}/webhooks/${def.name}`, {
    method: 'POST',
    headers: signed.headers,
    body: signed.body,
  });
  const text = await res.text();
  console.log(
    values.json ? JSON.stringify({ status: res.status, body: JSON.parse(text) as unknown }) : `${res.status} ${text}`,
  );
  if (!res.ok) process.exit(1);
}

async function records(name: string | undefined): Promise<void> {
  const def = provider(name);
  const { dynamoEndpoint } = running();
  const doc = createDocumentClient(
    createDynamoClient({
      endpoint: dynamoEndpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({
        TableName: TABLES.records.name,
        ExclusiveStartKey: start,
        FilterExpression: 'provider = :p',
        ExpressionAttributeValues: { ':p': def.name },
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  if (values.json) return console.log(JSON.stringify(items.map(({ data, ...rest }) => rest)));
  // Webhook records carry a version and an event; polled ones the time they were fetched.
  const when = (item: Record<string, unknown>) =>
    item.fetchedAt !== undefined
      ? `fetched=${new Date(Number(item.fetchedAt)).toISOString()}\tpoll=${String(item.source)}`
      : `version=${new Date(Number(item.version)).toISOString()}\tevent=${String(item.eventId)}`;
  for (const item of items) console.log(`${item.type}\t${item.key}\t${when(item)}`);
  console.log(`${items.length} record(s)`);
}

async function sendOneCommand(name: string | undefined): Promise<void> {
  const operation = positionals[2];
  if (!name || !operation || values.input === undefined)
    fail('usage: npm run ops -- command <provider> <operation> --input JSON [--id ID]');
  let input: unknown;
  try {
    input = JSON.parse(values.input);
  } catch {
    fail('--input must be JSON');
  }
  const res = await sendCommand(running().url, name, operation, input, { id: values.id });
  console.log(values.json ? JSON.stringify(res) : sentText(res));
  if (res.status !== 202) process.exit(1);
}

async function commandOutcomes(name: string | undefined): Promise<void> {
  const def = provider(values.provider ?? name);
  const { dynamoEndpoint } = running();
  const doc = createDocumentClient(
    createDynamoClient({
      endpoint: dynamoEndpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  const outcomes = await listCommands(new DynamoCommandStore(doc, TABLES.commands.name), def.name);
  console.log(values.json ? JSON.stringify(outcomes) : commandsText(outcomes));
}

async function versions(name: string | undefined): Promise<void> {
  const defs = name ? [provider(name)] : providers;
  let store: DynamoApiNoticeStore | undefined;
  let where: string;
  if (values.aws) {
    const { CloudFormationClient } = await import('@aws-sdk/client-cloudformation');
    const { readOutputs } = await import('./ops/aws-target');
    const table = (await readOutputs(new CloudFormationClient({}), awsStack())).ApiNoticesTableName;
    if (!table) fail(`stack ${awsStack()} has no output ApiNoticesTableName: deploy this version first`);
    store = new DynamoApiNoticeStore(createDocumentClient(createDynamoClient()), table);
    where = `AWS stack ${awsStack()}`;
  } else {
    let endpoint: string | undefined;
    try {
      endpoint = runningStack(dataDir).dynamoEndpoint;
    } catch {
      endpoint = undefined;
    }
    where = endpoint ? 'local stack' : 'the local stack is not running (npm start), or add --aws for a deployed stage';
    if (endpoint)
      store = new DynamoApiNoticeStore(
        createDocumentClient(
          createDynamoClient({
            endpoint,
            region: 'local',
            credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          }),
        ),
        TABLES.apiNotices.name,
      );
  }
  const records = store ? await store.list(name ? defs[0]!.name : undefined) : undefined;
  print(versionsReport(defs, records, { now: Date.now(), where }), versionsText);
}

const commands: Record<string, (name: string | undefined) => Promise<void>> = {
  send,
  records,
  versions,
  ...opsCommands,
  command: sendOneCommand,
  commands: commandOutcomes,
};
if (values.help || !command || !commands[command]) {
  console.log(USAGE);
  process.exit(command && !values.help ? 2 : 0);
}
try {
  await commands[command]!(providerName);
} catch (err) {
  fail(`${command} failed: ${(err as Error).message}`);
}
