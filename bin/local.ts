import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import { startLocalStack } from '../local/stack';
import { sampleGithubIssue } from '../local/samples';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '3000' },
    host: { type: 'string', default: '127.0.0.1' },
    'data-dir': { type: 'string', default: '.local' },
    memory: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
    'poll-every': { type: 'string', default: '60' },
  },
});

const dataDir = resolve(values['data-dir']!);
const logFile = resolve(dataDir, 'logs.jsonl');

/** Every line goes to logs.jsonl; log lines (not EMF metrics) are also shown, one short line each. */
function sink(line: string): void {
  appendFileSync(logFile, `${line}\n`);
  if (values.quiet) return;
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    if (entry._aws) return;
    const { level, message, timestamp, service, sampling_rate: _s, xray_trace_id: _x, ...rest } = entry;
    const fields = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
    console.log(`${String(timestamp).slice(11, 19)} ${String(level).padEnd(5)} ${service}: ${message} ${fields}`);
  } catch {
    console.log(line);
  }
}

const stack = await startLocalStack({ port: Number(values.port), host: values.host, dataDir, memory: values.memory, sink, polls: { everyMs: Number(values['poll-every']) * 1000 } });
const secretsFile = resolve(dataDir, 'secrets.json');
// Tells `npm run ops` where this running stack listens.
const stateFile = resolve(dataDir, 'stack.json');
const simulators = Object.fromEntries(Object.entries(stack.polls?.simulators ?? {}).map(([name, sim]) => [name, sim.url]));
writeFileSync(stateFile, JSON.stringify({ url: stack.url, dynamoEndpoint: stack.dynamo.endpoint, pid: process.pid, simulators }));
const pollLines = (stack.polls?.scheduler.schedules ?? []).map(
  ({ event, everyMs }) => `${event.provider}/${event.poll} every ${everyMs / 1000} s against ${simulators[event.provider] ? `its simulator ${simulators[event.provider]}` : 'the real API'}`,
);
const body = JSON.stringify(sampleGithubIssue());
const sign = `node -p "require('crypto').createHmac('sha256', require('${secretsFile}').github.webhookSecret).update(process.argv[1]).digest('hex')" "$BODY"`;

console.log(`
Integration stack (local) is running at ${stack.url}
  webhooks:  ${Object.keys(stack.queues).map((p) => `${stack.url}/webhooks/${p}`).join('\n             ')}
  DynamoDB:  ${stack.dynamo.endpoint} (dynalite${values.memory ? ', in memory' : `, data in ${dataDir}/dynamodb`})
  secrets:   ${secretsFile}
  logs:      ${logFile}
  polls:     ${pollLines.join('\n             ') || 'none'}
  records:   ${stack.url}/records/football/fixture   (the last known data, with its fetch time)

Send a correctly signed GitHub webhook (paste into another terminal):

BODY='${body}'
curl -i ${stack.url}/webhooks/github \\
  -H 'content-type: application/json' -H 'x-github-event: issues' \\
  -H "x-github-delivery: $(node -p 'crypto.randomUUID()')" \\
  -H "x-hub-signature-256: sha256=$(${sign})" \\
  --data "$BODY"

or: npm run ops -- send github    and then: npm run ops -- records github
Backfill: npm run sync -- --provider football --poll fixtures --from 2024-08-01 --to 2024-08-31

Ctrl-C to stop.
`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping...');
  await stack.stop();
  rmSync(stateFile, { force: true });
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
