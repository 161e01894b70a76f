import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { rmSync, writeFileSync } from 'node:fs';
import { logFileSink } from '../local/log-file';
import { startLocalStack } from '../local/stack';
import { sampleGithubIssue } from '../local/samples';
import { defaultDemoDrivers, startDemo } from '../local/demo';
import { TRELLO_SEED } from '../local/simulators/trello';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '3000' },
    host: { type: 'string', default: '127.0.0.1' },
    'data-dir': { type: 'string', default: '.local' },
    memory: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
    // Gentle demo traffic by default; --no-demo runs the stack alone (real providers, .local/secrets.json).
    'no-demo': { type: 'boolean', default: false },
    // Alarm periods last period / N; the demo uses 10 so an alarm fires and clears within a minute.
    'time-scale': { type: 'string' },
    'poll-every': { type: 'string', default: '60' },
  },
});
const demo = !values['no-demo'];
const timeScale = Number(values['time-scale'] ?? (demo ? 10 : 1));
if (!(timeScale > 0)) {
  console.error(`--time-scale must be a positive number (got ${values['time-scale']})`);
  process.exit(2);
}

const dataDir = resolve(values['data-dir']!);
const logFile = resolve(dataDir, 'logs.jsonl');
const logLines = logFileSink(logFile);

/** Every line goes to logs.jsonl; log lines (not EMF metrics) are also shown, one short line each. */
function sink(line: string): void {
  logLines.write(line);
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

const stack = await startLocalStack({ port: Number(values.port), host: values.host, dataDir, memory: values.memory, sink, observability: { timeScale }, polls: { everyMs: Number(values['poll-every']) * 1000 } });
const secretsFile = resolve(dataDir, 'secrets.json');
// Tells `npm run ops` where this running stack listens.
const stateFile = resolve(dataDir, 'stack.json');
const simulators = Object.fromEntries(Object.entries(stack.polls?.simulators ?? {}).map(([name, sim]) => [name, sim.url]));
writeFileSync(stateFile, JSON.stringify({ url: stack.url, dynamoEndpoint: stack.dynamo.endpoint, adminUrl: stack.adminUrl, pid: process.pid, simulators }));
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
  dashboard: ${stack.url}/_dashboard   (alarms and charts; alarm periods x1/${timeScale})
  demo:      ${demo ? 'on: signed GitHub webhooks every 2 s, a forged one now and then, a forged burst every 3 min (--no-demo to stop it)' : 'off'}
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

Outbound writes (commands):  ${Object.keys(stack.writes.queues).map((p) => `${stack.url}/commands/${p}`).join('  ')}
  simulators: ${Object.entries(stack.writes.simulators).map(([p, sim]) => `${p} ${sim.url}`).join(', ') || 'none (base URLs set)'}
  npm run ops -- command trello createCard --input '{"ref":"T-1","idList":"${TRELLO_SEED.lists.todo}","name":"Hello"}'
  npm run ops -- command stripe createCustomer --input '{"ref":"U-1","email":"ann@example.com"}'
  npm run ops -- commands --provider trello

Ctrl-C to stop.
`);

const traffic = demo ? startDemo(stack, defaultDemoDrivers(), { say: (m) => console.log(m) }) : undefined;

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping...');
  await traffic?.stop();
  await stack.stop();
  await logLines.close();
  rmSync(stateFile, { force: true });
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
