import { type ChildProcess, spawn } from 'node:child_process';
import { createServer as createNetServer } from 'node:net';
import { vi } from 'vitest';

/** A moto_server (AWS APIs on 127.0.0.1) for tests of the `--aws` paths with the real SDK clients. */
export interface Moto {
  url: string;
  /** Any keys do for moto; the SDK needs some. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  stop(): Promise<void>;
}

const INSTALL = 'pip install "moto[server]==5.2.1"';
const running = new Set<ChildProcess>();
// A test run that dies without its afterAll still takes its servers down.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A port nothing listens on now (moto takes it a moment later). */
async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts `moto_server` on an ephemeral port and waits until it answers; `stop()` ends it (SIGTERM, then SIGKILL).
 * Give each test file its own names (queues, buckets, tags' stage) or its own server: moto's state is shared.
 *
 * @example
 * const moto = await startMoto();
 * const sqs = new SQSClient({ endpoint: moto.url, region: 'us-east-1', credentials });
 * await moto.stop();
 */
export async function startMoto(opts: { env?: Record<string, string> } = {}): Promise<Moto> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  running.add(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(err.code === 'ENOENT' ? `moto_server is not installed: ${INSTALL}` : err.message)),
    );
    child.once('exit', (code) => reject(new Error(`moto_server exited (${code}):\n${stderr}`)));
  });
  exited.catch(() => undefined);
  const up = () =>
    fetch(`${url}/moto-api/data.json`).then(
      (r) => r.ok,
      () => false,
    );
  for (const started = Date.now(); ; ) {
    if (await Promise.race([up(), exited])) break;
    if (Date.now() - started > 30_000) throw new Error(`moto_server not ready after 30 s:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    stop: async () => {
      if (child.exitCode !== null) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
      running.delete(child);
    },
  };
}

/** An SDK client's middleware stack, enough to add one step (every v3 client has it). */
interface WithMiddleware {
  middlewareStack: {
    add(
      mw: (next: (args: { input: object }) => Promise<unknown>, ctx: { commandName?: string }) => typeof next,
      opts: { step: 'initialize'; name: string },
    ): void;
  };
}

/** One call a client sent: the command's name (`GetSecretValueCommand`) and its input. */
export interface RecordedCall {
  command: string;
  input: Record<string, unknown>;
}

/**
 * The calls a client sends, in order: how a test counts calls on moto (it keeps no per-call log of its own that
 * tells one test's calls from another's).
 *
 * @example
 * const calls = recordCommands(client);
 * expect(calls.filter((c) => c.command === 'GetSecretValueCommand')).toHaveLength(1);
 */
export function recordCommands(client: WithMiddleware): RecordedCall[] {
  const calls: RecordedCall[] = [];
  client.middlewareStack.add(
    (next, ctx) => (args) => {
      calls.push({ command: ctx.commandName ?? '?', input: args.input as Record<string, unknown> });
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  return calls;
}

/**
 * Sets what Lambda's environment gives a client built with `{}` (region, keys), plus moto's endpoint, so adapters
 * that build their own clients reach moto; undo with `vi.unstubAllEnvs()`.
 */
export function stubSdkEnvironment(moto: Moto): void {
  vi.stubEnv('AWS_ENDPOINT_URL', moto.url);
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', moto.credentials.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', moto.credentials.secretAccessKey);
}

/** One IAM query call to moto (form-encoded, as the IAM API takes it): its XML answer. */
async function iamCall(moto: Moto, params: Record<string, string>): Promise<string> {
  const { sendSigned } = await import('../../lambdas/adapters/aws-json');
  const { res, body } = await sendSigned({
    signingName: 'iam',
    config: { endpoint: moto.url, region: 'us-east-1', credentials: moto.credentials },
    url: new URL(moto.url),
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...params, Version: '2010-05-08' }).toString(),
  });
  if ((res.statusCode ?? 0) >= 300) throw new Error(`IAM ${params.Action}: ${res.statusCode} ${body}`);
  return body.toString('utf8');
}

/**
 * A moto that checks every request's SigV4 signature, as AWS does, after three unchecked calls that make a user
 * allowed everything and its access key: the credentials it returns are the only ones it accepts. (moto's own check
 * mis-signs keys with some characters, such as `+` or non-ASCII, so tests use plain ones.)
 *
 * @example
 * const moto = await startSigningMoto();
 * new S3RestBlobs(bucket, { endpoint: moto.url, region: 'us-east-1', credentials: moto.credentials });
 */
export async function startSigningMoto(): Promise<Moto> {
  const moto = await startMoto({ env: { INITIAL_NO_AUTH_ACTION_COUNT: '3' } });
  await iamCall(moto, { Action: 'CreateUser', UserName: 'tester' });
  const policy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
  });
  await iamCall(moto, { Action: 'PutUserPolicy', UserName: 'tester', PolicyName: 'all', PolicyDocument: policy });
  const xml = await iamCall(moto, { Action: 'CreateAccessKey', UserName: 'tester' });
  const field = (name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)![1]!;
  return { ...moto, credentials: { accessKeyId: field('AccessKeyId'), secretAccessKey: field('SecretAccessKey') } };
}
