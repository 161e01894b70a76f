import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../../local/stack';
import { consoleLine } from '../../../local/console-lines';
import type { LogCapture } from '../../helpers/log-capture';
import { testStack } from '../../helpers/local-stack';

let stack: LocalStack;
let logs: LogCapture;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ stack, logs, close } = await testStack({ writer: { env: {} } }));
});
afterAll(async () => close());

const customer = (ref: string) => ({ operation: 'createCustomer', input: { ref, email: `${ref}@example.com` } });
const queued = () => stack.writes.queues.stripe!.queue.depth().total + logs.logs('command accepted').length;

async function post(body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const res = await fetch(`${stack.url}/commands/stripe`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

function rawPost(body: string, host: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${stack.url}/commands/stripe`);
    const headers = { host, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('command route hardening on the local stack', () => {
  it('answers 400 for a correlationId with control characters, queueing nothing (#16 point 3)', async () => {
    const before = queued();
    const res = await post({ ...customer('CORR-1'), commandId: 'corr-1', correlationId: 'trace\r\nX-Injected: 1' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ error: 'invalid_command' });
    expect(queued()).toBe(before);
    expect((await post({ ...customer('CORR-2'), commandId: 'corr-2', correlationId: 'req-42:a/b=c' })).status).toBe(
      202,
    );
  });

  it('refuses a "simple" text/plain POST from a foreign page, and any cross-site or non-JSON request (#16 point 8)', async () => {
    const before = queued();
    const body = JSON.stringify({ ...customer('CSRF-1'), commandId: 'csrf-1' });
    const simple = await post(body, {
      'content-type': 'text/plain;charset=UTF-8',
      origin: 'https://attacker.example',
      'sec-fetch-site': 'cross-site',
      'sec-fetch-mode': 'no-cors',
    });
    expect(simple.status).toBe(403);
    expect(JSON.parse(simple.text)).toEqual({ error: 'cross_site' });
    const origin = await post(body, { 'content-type': 'application/json', origin: 'https://attacker.example' });
    expect(origin.status).toBe(403);
    const site = await post(body, { 'content-type': 'application/json', 'sec-fetch-site': 'same-site' });
    expect(site.status).toBe(403);
    const plain = await post(body, { 'content-type': 'text/plain' });
    expect(plain).toEqual({ status: 415, text: '{"error":"unsupported_media_type"}' });
    const form = await post(body, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    // fetch will not set Host: a raw request, as a DNS-rebound page's request arrives.
    expect(await rawPost(body, 'attacker.example:80')).toEqual({ status: 403, text: '{"error":"foreign_host"}' });
    expect(queued()).toBe(before);
    const own = await post(body, {
      'content-type': 'application/json',
      origin: stack.url,
      'sec-fetch-site': 'same-origin',
    });
    expect(own.status).toBe(202);
  });

  it('guards the admin API the same way', async () => {
    const redrive = `${stack.adminUrl}/_local/queues/github/redrive`;
    expect((await fetch(redrive, { method: 'POST', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    const foreign = { 'content-type': 'application/json', origin: 'https://attacker.example' };
    expect((await fetch(redrive, { method: 'POST', headers: foreign })).status).toBe(403);
    expect(
      (await fetch(`${stack.adminUrl}/_local/queues`, { headers: { 'sec-fetch-site': 'cross-site' } })).status,
    ).toBe(403);
    const ok = await fetch(redrive, { method: 'POST', headers: { 'content-type': 'application/json' } });
    expect(ok.status).toBe(200);
  });

  it('echoes at most a bounded, escaped part of what the caller sent, on the wire and on the console (#16 point 9)', async () => {
    const provider = `${'p'.repeat(100_000)}\n12:00:00 INFO  command-writer: command done\u001b[31m`;
    const res = await post({ ...customer('ECHO-1'), provider });
    expect(res.status).toBe(400);
    expect(res.text.length).toBeLessThan(400);
    const shown = logs.lines.map((l) => consoleLine(l)).filter((l) => l?.includes('command rejected'));
    expect(shown.length).toBeGreaterThan(0);
    for (const line of shown) expect(line?.includes('\n') || line?.includes('\u001b')).toBe(false);
  });

  it('answers 400 for a command input nesting 100,000 arrays deep instead of overflowing the stack', async () => {
    const deep = `{"operation":"createCustomer","input":{"ref":"D-1","metadata":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
    const res = await post(deep);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ error: 'malformed_body' });
  });
});
