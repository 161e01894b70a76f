import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalStack } from '../../local/stack';

/** The repository's root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** One command line a page shows. */
export interface Shown {
  where: string;
  command: string;
  /** Ends with `# AWS`: it needs an AWS account and never runs here (docs/README.md). */
  aws: boolean;
}

const SHELL_FENCE = /^\s*```(sh|bash|shell)\s*$/;
const INLINE_COMMAND = /^(npm run |npx |npm start\b|npm test\b)/;
export const AWS_MARK = /(^|\s)# AWS\b/;

/**
 * Every command line of a page's fenced shell blocks (continuations joined), and, unless `inline` is false, inline
 * spans that start like a command.
 *
 * @example
 * commandsIn('docs/runbooks/circuit-open.md', { inline: false })
 */
export function commandsIn(file: string, opts: { inline?: boolean } = {}): Shown[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const shown: Shown[] = [];
  const add = (n: number, text: string) =>
    shown.push({ where: `${file}:${n + 1}`, command: text, aws: AWS_MARK.test(text) });
  let fence: 'shell' | 'other' | undefined;
  let pending = '';
  lines.forEach((raw, n) => {
    const line = raw.trim();
    if (line.startsWith('```')) {
      fence = fence ? undefined : SHELL_FENCE.test(raw) ? 'shell' : 'other';
      return;
    }
    if (fence === 'shell') {
      if (line === '' || (line.startsWith('#') && !pending)) return;
      pending += line.endsWith('\\') ? `${line.slice(0, -1)} ` : line;
      if (!line.endsWith('\\')) add(n, pending);
      if (!line.endsWith('\\')) pending = '';
      return;
    }
    if (fence || opts.inline === false) return;
    for (const [, span] of raw.matchAll(/`([^`]+)`/g)) if (INLINE_COMMAND.test(span!.trim())) add(n, span!.trim());
  });
  return shown;
}

/** The command without its trailing `# comment`. */
export const withoutComment = (command: string) => command.replace(/\s+#\s.*$/, '').trim();

/**
 * A folder that looks like this checkout (each top-level entry linked) but whose `.local` is the test stack's data
 * folder, so commands run exactly as shown and find the stack as they would find `npm start`'s.
 */
export function checkoutView(dataDir: string): string {
  const view = mkdtempSync(join(tmpdir(), 'docs-checkout-'));
  for (const entry of readdirSync(ROOT)) {
    if (['.git', '.local', 'cdk.out', 'coverage'].includes(entry)) continue;
    symlinkSync(join(ROOT, entry), join(view, entry));
  }
  symlinkSync(dataDir, join(view, '.local'));
  return view;
}

/** Writes what `npm start` writes for the CLIs to `<dataDir>/stack.json`: this process is the running stack. */
export function announceStack(s: LocalStack): void {
  const simulators = {
    ...Object.fromEntries(Object.entries(s.polls?.simulators ?? {}).map(([p, sim]) => [p, sim.url])),
    // As `npm start` lists them: recovery's simulators, which `npm run sync -- --recover` calls.
    ...s.recovery?.baseUrls,
  };
  writeFileSync(
    join(s.dataDir, 'stack.json'),
    JSON.stringify({
      url: s.url,
      dynamoEndpoint: s.dynamo.endpoint,
      adminUrl: s.adminUrl,
      pid: process.pid,
      simulators,
    }),
  );
}

export interface ShellRun {
  command: string;
  code: number;
  output: string;
  ms: number;
}

/** Runs one command with bash in its own process group, so a timeout ends every process it started. */
export function runShell(command: string, cwd: string, timeoutMs: number): Promise<ShellRun> {
  const started = Date.now();
  // Every provider simulated: no real base URL leaks in from the environment.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.endsWith('_BASE_URL') && !k.endsWith('_TOKEN_URL')),
  );
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', command], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ command, code: code ?? -1, output, ms: Date.now() - started });
    });
  });
}
