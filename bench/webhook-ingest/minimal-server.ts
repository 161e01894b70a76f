import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The baseline: the least work any correct webhook ingest must do. Reads the body, checks the
 * GitHub HMAC in constant time, parses the JSON, pushes it to an in-memory array, answers 200.
 * Run as its own process: `node --import tsx bench/webhook-ingest/minimal-server.ts <secret>`.
 */
const secret = process.argv[2] ?? '';
const queue: unknown[] = [];

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const given = Buffer.from(String(req.headers['x-hub-signature-256'] ?? '').replace(/^sha256=/, ''), 'hex');
    const expected = createHmac('sha256', secret).update(body).digest();
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      res.writeHead(401).end();
      return;
    }
    try {
      queue.push({ body: JSON.parse(body.toString('utf8')), id: req.headers['x-github-delivery'] });
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (queue.length > 100_000) queue.length = 0;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"received":true}');
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
});
process.on('SIGTERM', () => process.exit(0));
