import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { closeSync, existsSync, fstatSync, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { S3BlobStore } from '../../lambdas/adapters/s3-blob-store';
import { AWS_ENDPOINT_DEFAULTS } from '../../local/aws-endpoint';
import { startMoto } from '../helpers/moto';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

interface Started {
  url: string;
  simulators: Record<string, string>;
  output(): string;
  logs(): Record<string, unknown>[];
  stop(): Promise<void>;
}

const running: Started[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

/** Waits for a state of the running process (a file, a log line), never for a fixed time. */
async function waitFor<T>(
  check: () => T | undefined,
  what: string,
  child: ChildProcess,
  output: () => string,
): Promise<T> {
  for (let i = 0; i < 6000; i += 1) {
    const value = check();
    if (value !== undefined) return value;
    if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}) before ${what}:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}:\n${output().slice(-3000)}`);
}

/** `npm start -- <args>` (bin/local.ts) in its own process, on an ephemeral port, DynamoDB in memory. */
async function npmStart(args: string[]): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), 'npm-start-'));
  // Every provider simulated: no real base URL leaks in from the environment.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.endsWith('_BASE_URL') && !k.endsWith('_TOKEN_URL')),
  );
  const child = spawn(TSX, ['bin/local.ts', '--port', '0', '--memory', '--data-dir', dir, ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const output = () => out;
  const stateFile = join(dir, 'stack.json');
  const state = await waitFor(
    () =>
      existsSync(stateFile) && out.includes('Ctrl-C to stop')
        ? (JSON.parse(readFileSync(stateFile, 'utf8')) as { url: string; simulators: Record<string, string> })
        : undefined,
    'the stack to start',
    child,
    output,
  );
  const logFile = join(dir, 'logs.jsonl');
  // Read as it grows (the demo writes fast): new complete lines only, metric documents skipped.
  const entries: Record<string, unknown>[] = [];
  let offset = 0;
  let partial = '';
  const logs = () => {
    if (!existsSync(logFile)) return entries;
    const fd = openSync(logFile, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size > offset) {
        const buf = Buffer.alloc(size - offset);
        readSync(fd, buf, 0, buf.length, offset);
        offset = size;
        const lines = (partial + buf.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        for (const l of lines) if (l.startsWith('{"level"')) entries.push(JSON.parse(l) as Record<string, unknown>);
      }
    } finally {
      closeSync(fd);
    }
    return entries;
  };
  const started: Started = {
    url: state.url,
    simulators: state.simulators,
    output,
    logs,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  running.push(started);
  return started;
}

const messages = (s: Started, message: string) => s.logs().filter((e) => e.message === message);

describe('npm start', () => {
  it('runs demo traffic by default: webhooks from several providers, a poll run, a command', async () => {
    const s = await npmStart(['--demo-speed', '50']);
    const done = () => {
      const providers = new Set(messages(s, 'webhook accepted').map((e) => e.provider));
      const ok =
        providers.size >= 4 && messages(s, 'sync run finished').length > 0 && messages(s, 'command done').length > 0;
      return ok ? providers : undefined;
    };
    const providers = await waitFor(
      done,
      'webhooks, a poll run and a command',
      { exitCode: null } as ChildProcess,
      s.output,
    );
    expect([...providers]).toEqual(expect.arrayContaining(['github']));
    // The console shows what happened, not every outbound call: those stay in the log file.
    expect(s.output()).toContain('webhook accepted');
    expect(s.output()).not.toMatch(/ INFO {2}\S+: (provider call|page fetched) /);
    expect(messages(s, 'page fetched').length).toBeGreaterThan(0);
  });

  it('--no-demo runs the stack alone: the poll against its simulator, and no webhook, command or fault', async () => {
    // As fast as the first test's demo, so anything it would send would be there by the third poll run.
    const s = await npmStart(['--no-demo', '--demo-speed', '50', '--poll-every', '0.2']);
    await waitFor(
      () => (messages(s, 'sync run finished').length >= 3 ? true : undefined),
      'three poll runs',
      { exitCode: null } as ChildProcess,
      s.output,
    );
    expect(s.output()).toContain('demo:      off');
    const sent = s
      .logs()
      .filter((e) =>
        ['webhook accepted', 'webhook signature rejected', 'command accepted'].includes(String(e.message)),
      );
    expect(sent).toEqual([]);
    const sim = s.simulators.football!;
    expect(((await (await fetch(`${sim}/_faults`)).json()) as { rules: unknown[] }).rules).toEqual([]);
    const paths = ((await (await fetch(`${sim}/_requests`)).json()) as { path: string }[]).map((r) => r.path);
    expect(new Set(paths)).toEqual(new Set(['/fixtures']));
  });

  it('prints a signed-webhook command that, pasted into bash, gets 200 and a record', async () => {
    const s = await npmStart(['--no-demo']);
    const printed = /^BODY=[\s\S]*?--data "\$BODY"$/m.exec(s.output())?.[0];
    expect(printed).toBeDefined();
    const { stdout } = await promisify(execFile)('bash', ['-c', printed!], { cwd: tmpdir() });
    expect(stdout).toMatch(/^HTTP\/1\.1 200/);
    await waitFor(
      () => (messages(s, 'event processed').length > 0 ? true : undefined),
      'the event processed',
      { exitCode: null } as ChildProcess,
      s.output,
    );
  });

  it('--aws-endpoint URL: the printed signed webhook verifies against the secret in moto and is archived in its S3', async () => {
    const moto = await startMoto();
    try {
      const s = await npmStart(['--no-demo', '--aws-endpoint', moto.url]);
      expect(s.output()).toContain(`AWS endpoint ${moto.url}: blobs in s3://${AWS_ENDPOINT_DEFAULTS.bucket}`);
      const printed = /^BODY=[\s\S]*?--data "\$BODY"$/m.exec(s.output())?.[0];
      const { stdout } = await promisify(execFile)('bash', ['-c', printed!], { cwd: tmpdir() });
      expect(stdout).toMatch(/^HTTP\/1\.1 200/);
      const s3 = new S3Client({ endpoint: moto.url, region: 'us-east-1', credentials: moto.credentials });
      const blobs = new S3BlobStore(s3, AWS_ENDPOINT_DEFAULTS.bucket);
      for (let i = 0; i < 400 && (await blobs.list('archive/github/')).length === 0; i += 1)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await blobs.list('archive/github/')).not.toEqual([]);
      s3.destroy();
    } finally {
      await Promise.all(running.splice(0).map((r) => r.stop()));
      await moto.stop();
    }
  });
});
