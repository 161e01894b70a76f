import { rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AWS_ENDPOINT_DEFAULTS } from '../../local/aws-endpoint';
import { consoleLine } from '../../local/console-lines';
import { defaultDemoDrivers, startDemo } from '../../local/demo';
import { logFileSink } from '../../local/log-file';
import { prng } from '../../local/simulators/dataset';
import { startLocalStack } from '../../local/stack';
import { stageConfig } from '../../lib/stages';
import { type CliIO, cliMain, parseCli, UsageError } from '../cli/main';
import { banner } from './banner';

export const USAGE = `npm start -- [--port N] [--host H] [--data-dir DIR] [--memory] [--no-demo] [--quiet | --verbose]
                    [--aws-endpoint URL]

Runs the whole stack on this machine (API, queues, processors, polls, writes, DynamoDB, dashboard) with
gentle demo traffic, until Ctrl-C.
  --port N          the API's port (default PORT, else 3000)
  --host H          the address to bind (default 127.0.0.1)
  --data-dir DIR    secrets, DynamoDB data, simulator data and logs (default .local)
  --memory          DynamoDB and simulators in memory: nothing persists
  --no-demo         no demo traffic: the stack alone (real providers, DIR/secrets.json)
  --quiet           nothing on the terminal; --verbose: every log line (all of them are in DIR/logs.jsonl)
  --demo-speed N    the demo N times faster (default 1)
  --time-scale N    alarm periods last period / N (default 10 with the demo, 1 without)
  --poll-every S    seconds between poll runs (default 20 with the demo, 60 without)
  --aws-endpoint URL  blobs in S3 and the ingest's secrets in Secrets Manager at URL (moto_server, say), through
                    the real adapters; queues, DynamoDB and the rest stay embedded (docs/local-stack.md)`;

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string', default: '127.0.0.1' },
  'data-dir': { type: 'string', default: '.local' },
  memory: { type: 'boolean', default: false },
  quiet: { type: 'boolean', default: false },
  verbose: { type: 'boolean', default: false },
  'no-demo': { type: 'boolean', default: false },
  'demo-speed': { type: 'string', default: '1' },
  'time-scale': { type: 'string' },
  'poll-every': { type: 'string' },
  'aws-endpoint': { type: 'string' },
} as const;

function positive(name: string, value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new UsageError(`--${name} must be a positive number, got ${value}`);
  return n;
}

function settings(argv: string[], env: CliIO['env']) {
  const { values } = parseCli(argv, { options: OPTIONS });
  const demo = !values['no-demo'];
  const demoSpeed = positive('demo-speed', values['demo-speed']);
  const port = Number(values.port ?? env.PORT ?? '3000');
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be a port number, got ${values.port}`);
  const awsEndpoint = values['aws-endpoint'];
  if (awsEndpoint !== undefined && !/^https?:\/\/[^/]+/.test(awsEndpoint))
    throw new UsageError(`--aws-endpoint must be an http(s) URL, got ${awsEndpoint}`);
  return {
    ...values,
    demo,
    demoSpeed,
    port,
    awsEndpoint,
    dataDir: resolve(values['data-dir']),
    pollEvery: positive('poll-every', values['poll-every'] ?? String(demo ? 20 / demoSpeed : 60)),
    timeScale: positive('time-scale', values['time-scale'] ?? (demo ? '10' : '1')),
  };
}

/** Resolves on SIGINT or SIGTERM. */
const signalled = () =>
  new Promise<void>((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  });

/**
 * `npm start`: resolves to the exit code once stopped (Ctrl-C), or 2 on bad usage.
 *
 * @example
 * const code = await main(['--port', '0', '--memory', '--no-demo'], io);
 */
export const main = cliMain(USAGE, async (argv, io) => {
  const s = settings(argv, io.env);
  const logLines = logFileSink(resolve(s.dataDir, 'logs.jsonl'));
  // Every line goes to logs.jsonl; the terminal shows notable INFO lines and every WARN/ERROR (all with --verbose).
  const sink = (line: string) => {
    logLines.write(line);
    const text = s.quiet ? undefined : consoleLine(line, { verbose: s.verbose });
    if (text) io.stdout.write(`${text}\n`);
  };
  const stack = await startLocalStack({
    port: s.port,
    host: s.host,
    dataDir: s.dataDir,
    memory: s.memory,
    sink,
    // Each route throttled as the dev stage's API is, so a flood gets the 429s it would get in AWS.
    throttle: stageConfig('dev').throttle,
    observability: { timeScale: s.timeScale },
    polls: { everyMs: s.pollEvery * 1000 },
    // Missed-webhook recovery on its schedule; the simulators send their webhooks here (docs/recovery.md).
    recovery: {},
    aws: s.awsEndpoint ? { endpoint: s.awsEndpoint, env: io.env } : undefined,
  });
  const simulated = { ...stack.polls?.simulators, ...stack.writes.simulators };
  const simulators = {
    ...Object.fromEntries(Object.entries(simulated).map(([n, sim]) => [n, sim!.url])),
    // The recovering providers' base URLs (Stripe's `/v1`), which `npm run sync -- --recover` calls.
    ...stack.recovery?.baseUrls,
  };
  // Tells `npm run ops` and `npm run sync` where this running stack listens.
  const stateFile = resolve(s.dataDir, 'stack.json');
  const state = {
    url: stack.url,
    dynamoEndpoint: stack.dynamo.endpoint,
    adminUrl: stack.adminUrl,
    pid: process.pid,
    simulators,
  };
  writeFileSync(stateFile, JSON.stringify(state));
  const consoleMode = s.quiet ? 'quiet' : s.verbose ? 'verbose' : 'notable';
  io.stdout.write(`${banner(stack, { ...s, console: consoleMode, simulators })}\n`);
  if (s.awsEndpoint) {
    const { bucket, secretPrefix } = AWS_ENDPOINT_DEFAULTS;
    io.stdout.write(
      `AWS endpoint ${s.awsEndpoint}: blobs in s3://${bucket}, the ingest's secrets ${secretPrefix}/<provider>/<name>\n`,
    );
  }
  // Seeded: the same run of forged, duplicate and late deliveries each time.
  const say = (m: string) => io.stdout.write(`${m}\n`);
  const traffic = s.demo
    ? startDemo(stack, defaultDemoDrivers({ speed: s.demoSpeed }), { say, random: prng(7) })
    : undefined;
  await signalled();
  io.stdout.write('\nStopping...\n');
  await traffic?.stop();
  await stack.stop();
  await logLines.close();
  rmSync(stateFile, { force: true });
  return 0;
});
