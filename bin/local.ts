import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { rmSync, writeFileSync } from 'node:fs';
import { logFileSink } from '../local/log-file';
import { startLocalStack } from '../local/stack';
import { sampleGithubIssue } from '../lambdas/providers/github';
import { defaultDemoDrivers, startDemo } from '../local/demo';
import { TRELLO_SEED } from '../local/simulators/trello';
import { prng } from '../local/simulators/dataset';
import { consoleLine } from '../local/console-lines';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '3000' },
    host: { type: 'string', default: '127.0.0.1' },
    'data-dir': { type: 'string', default: '.local' },
    memory: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
    // Every log line on the terminal (each outbound call, each page), not only the notable ones.
    verbose: { type: 'boolean', default: false },
    // Gentle demo traffic by default; --no-demo runs the stack alone (real providers, .local/secrets.json).
    'no-demo': { type: 'boolean', default: false },
    // The demo this many times faster (tests).
    'demo-speed': { type: 'string', default: '1' },
    // Alarm periods last period / N; the demo uses 10 so an alarm fires and clears within a minute.
    'time-scale': { type: 'string' },
    // Seconds between poll runs; default 20 with the demo, 60 without.
    'poll-every': { type: 'string' },
  },
});
const demo = !values['no-demo'];
const demoSpeed = Number(values['demo-speed']);
const pollEvery = Number(values['poll-every'] ?? (demo ? 20 / demoSpeed : 60));
const timeScale = Number(values['time-scale'] ?? (demo ? 10 : 1));
if (!(pollEvery > 0) || !(demoSpeed > 0)) {
  console.error(
    `--poll-every and --demo-speed must be positive numbers (got ${values['poll-every']}, ${values['demo-speed']})`,
  );
  process.exit(2);
}
if (!(timeScale > 0)) {
  console.error(`--time-scale must be a positive number (got ${values['time-scale']})`);
  process.exit(2);
}

const dataDir = resolve(values['data-dir']!);
const logFile = resolve(dataDir, 'logs.jsonl');
const logLines = logFileSink(logFile);

/** Every line goes to logs.jsonl; the terminal shows notable INFO lines and every WARN/ERROR (all with --verbose). */
function sink(line: string): void {
  logLines.write(line);
  if (values.quiet) return;
  const text = consoleLine(line, { verbose: values.verbose });
  if (text) console.log(text);
}

const stack = await startLocalStack({
  port: Number(values.port),
  host: values.host,
  dataDir,
  memory: values.memory,
  sink,
  observability: { timeScale },
  polls: { everyMs: pollEvery * 1000 },
});
const secretsFile = resolve(dataDir, 'secrets.json');
// Tells `npm run ops` where this running stack listens.
const stateFile = resolve(dataDir, 'stack.json');
const simulators = Object.fromEntries(
  Object.entries(stack.polls?.simulators ?? {}).map(([name, sim]) => [name, sim.url]),
);
writeFileSync(
  stateFile,
  JSON.stringify({
    url: stack.url,
    dynamoEndpoint: stack.dynamo.endpoint,
    adminUrl: stack.adminUrl,
    pid: process.pid,
    simulators,
  }),
);
const pollLines = (stack.polls?.scheduler.schedules ?? []).map(
  ({ event, everyMs }) =>
    `${event.provider}/${event.poll} every ${everyMs / 1000} s against ${simulators[event.provider] ? `its simulator ${simulators[event.provider]}` : 'the real API'}`,
);
const body = JSON.stringify(sampleGithubIssue());
// Signs with the first value when the secret holds several (rotation: a JSON array, or one value per line).
const firstSecret = `v=require('${secretsFile}').github.webhookSecret;v=Array.isArray(v)?v[0]:/^\\s*\\[/.test(v)?JSON.parse(v)[0]:v.trim().split('\\n')[0]`;
const sign = `node -p "${firstSecret};require('crypto').createHmac('sha256',v).update(process.argv[1]).digest('hex')" "$BODY"`;
// Single-quoted for the shell: each ' in the body becomes '\'' (close, escaped quote, reopen).
const shellQuoted = `'${body.replace(/'/g, "'\\''")}'`;

console.log(`
Integration stack (local) is running at ${stack.url}
  webhooks:  ${Object.keys(stack.queues)
    .map((p) => `${stack.url}/webhooks/${p}`)
    .join('\n             ')}
  DynamoDB:  ${stack.dynamo.endpoint} (dynalite${values.memory ? ', in memory' : `, data in ${dataDir}/dynamodb`})
  secrets:   ${secretsFile}
  logs:      ${logFile}
  dashboard: ${stack.url}/_dashboard   (alarms and charts; alarm periods x1/${timeScale})
  demo:      ${
    demo
      ? `on${demoSpeed !== 1 ? ` (x${demoSpeed})` : ''}: webhooks from every provider (a forged, duplicate or late one now and then), a Stripe or Trello command every 20 s,
             a fault on the football simulator 30 s in and every 75 s (5xx burst, 429 storm, schema drift), a forged GitHub burst every 3 min (--no-demo: none of it)`
      : 'off (the polls still run, against the simulator unless <PROVIDER>_BASE_URL is set)'
  }
  console:   ${values.quiet ? 'quiet' : values.verbose ? 'every log line' : 'notable events, warnings and errors (--verbose: every line; all of them are in the log file)'}
  polls:     ${pollLines.join('\n             ') || 'none'}
  records:   ${stack.url}/records/football/fixture   (the last known data, with its fetch time)

Send a correctly signed GitHub webhook (paste into another terminal):

BODY=${shellQuoted}
curl -i ${stack.url}/webhooks/github \\
  -H 'content-type: application/json' -H 'x-github-event: issues' \\
  -H "x-github-delivery: $(node -p 'crypto.randomUUID()')" \\
  -H "x-hub-signature-256: sha256=$(${sign})" \\
  --data "$BODY"

or: npm run ops -- send github    and then: npm run ops -- records github
Backfill: npm run sync -- --provider football --poll fixtures --from 2024-08-01 --to 2024-08-31

Outbound writes (commands):  ${Object.keys(stack.writes.queues)
  .map((p) => `${stack.url}/commands/${p}`)
  .join('  ')}
  simulators: ${
    Object.entries(stack.writes.simulators)
      .map(([p, sim]) => `${p} ${sim.url}`)
      .join(', ') || 'none (base URLs set)'
  }
  npm run ops -- command trello createCard --input '{"ref":"T-1","idList":"${TRELLO_SEED.lists.todo}","name":"Hello"}'
  npm run ops -- command stripe createCustomer --input '{"ref":"U-1","email":"ann@example.com"}'
  npm run ops -- commands --provider trello

Ctrl-C to stop.
`);

// Seeded: the same run of forged, duplicate and late deliveries each time.
const traffic = demo
  ? startDemo(stack, defaultDemoDrivers({ speed: demoSpeed }), { say: (m) => console.log(m), random: prng(7) })
  : undefined;

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
