import { resolve } from 'node:path';
import { sampleGithubIssue } from '../../lambdas/providers/github';
import { TRELLO_SEED } from '../../local/simulators/trello';
import type { LocalStack } from '../../local/stack';

export interface BannerOptions {
  dataDir: string;
  memory: boolean;
  timeScale: number;
  demo: boolean;
  demoSpeed: number;
  console: 'quiet' | 'verbose' | 'notable';
  simulators: Record<string, string>;
}

/** A curl line that sends a correctly signed GitHub webhook, signing with the secrets file's first value. */
function curlExample(stack: LocalStack, secretsFile: string): string {
  const body = JSON.stringify(sampleGithubIssue());
  // Signs with the first value when the secret holds several (rotation: a JSON array, or one value per line).
  const firstSecret = `v=require('${secretsFile}').github.webhookSecret;v=Array.isArray(v)?v[0]:/^\\s*\\[/.test(v)?JSON.parse(v)[0]:v.trim().split('\\n')[0]`;
  const sign = `node -p "${firstSecret};require('crypto').createHmac('sha256',v).update(process.argv[1]).digest('hex')" "$BODY"`;
  // Single-quoted for the shell: each ' in the body becomes '\'' (close, escaped quote, reopen).
  const shellQuoted = `'${body.replace(/'/g, "'\\''")}'`;
  return `BODY=${shellQuoted}
curl -i ${stack.url}/webhooks/github \\
  -H 'content-type: application/json' -H 'x-github-event: issues' \\
  -H "x-github-delivery: $(node -p 'crypto.randomUUID()')" \\
  -H "x-hub-signature-256: sha256=$(${sign})" \\
  --data "$BODY"`;
}

function demoLine(o: BannerOptions): string {
  if (!o.demo) return 'off (the polls still run, against the simulator unless <PROVIDER>_BASE_URL is set)';
  return `on${o.demoSpeed !== 1 ? ` (x${o.demoSpeed})` : ''}: webhooks from every provider (a forged, duplicate or late one now and then), a Stripe or Trello command every 20 s,
             a fault on the football simulator 30 s in and every 75 s (5xx burst, 429 storm, schema drift), a forged GitHub burst every 3 min (--no-demo: none of it)`;
}

const CONSOLE = {
  quiet: 'quiet',
  verbose: 'every log line',
  notable: 'notable events, warnings and errors (--verbose: every line; all of them are in the log file)',
};

/** Where everything runs, what the demo does, and commands to paste: what `npm start` prints once up. */
export function banner(stack: LocalStack, o: BannerOptions): string {
  const secretsFile = resolve(o.dataDir, 'secrets.json');
  const pollLines = (stack.polls?.scheduler.schedules ?? []).map(
    ({ event, everyMs }) =>
      `${event.provider}/${event.poll} every ${everyMs / 1000} s against ${o.simulators[event.provider] ? `its simulator ${o.simulators[event.provider]}` : 'the real API'}`,
  );
  const recoveries = (stack.recovery?.scheduler.schedules ?? []).map(
    ({ event }) => `${event.provider}/${event.recovery}`,
  );
  const list = (items: string[], sep: string) => items.join(sep);
  const webhooks = Object.keys(stack.queues).map((p) => `${stack.url}/webhooks/${p}`);
  const commands = Object.keys(stack.writes.queues).map((p) => `${stack.url}/commands/${p}`);
  const sims = Object.entries(stack.writes.simulators).map(([p, sim]) => `${p} ${sim.url}`);
  return `
Integration stack (local) is running at ${stack.url}
  webhooks:  ${list(webhooks, '\n             ')}
  DynamoDB:  ${stack.dynamo.endpoint} (dynalite${o.memory ? ', in memory' : `, data in ${o.dataDir}/dynamodb`})
  secrets:   ${secretsFile}
  logs:      ${resolve(o.dataDir, 'logs.jsonl')}
  dashboard: ${stack.url}/_dashboard   (alarms and charts; alarm periods x1/${o.timeScale})
  demo:      ${demoLine(o)}
  console:   ${CONSOLE[o.console]}
  polls:     ${list(pollLines, '\n             ') || 'none'}
  records:   ${stack.url}/records/football/fixture   (the last known data, with its fetch time)
  recovery:  ${list(recoveries, ', ') || 'none'}   (missed webhooks, docs/recovery.md)

Send a correctly signed GitHub webhook (paste into another terminal):

${curlExample(stack, secretsFile)}

or: npm run ops -- send github    and then: npm run ops -- records github
Backfill: npm run sync -- --provider football --poll fixtures --from 2024-08-01 --to 2024-08-31

Outbound writes (commands):  ${list(commands, '  ')}
  simulators: ${list(sims, ', ') || 'none (base URLs set)'}
  npm run ops -- command trello createCard --input '{"ref":"T-1","idList":"${TRELLO_SEED.lists.todo}","name":"Hello"}'
  npm run ops -- command stripe createCustomer --input '{"ref":"U-1","email":"ann@example.com"}'
  npm run ops -- commands --provider trello

Ctrl-C to stop.
`;
}
