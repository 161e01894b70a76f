import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { providers } from '../../lambdas/providers';
import { logFileSink } from '../log-file';
import { startLocalStack } from '../stack';
import { webhookSenders } from '../chaos/webhook-payloads';

/**
 * The local stack as `npm start` runs it (logs to a file, archive on, processor running), in its own
 * process so the load generator has the other core. `GET /_load/status` answers how many webhooks were
 * accepted and processed and what is queued. Prints `{ url, secrets }` when ready; stops on SIGTERM.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'load-stack-'));
const file = logFileSink(join(dataDir, 'logs.jsonl'));
const counts = { accepted: 0, processed: 0, deadLettered: 0 };
const stack = await startLocalStack({
  port: 0,
  memory: true,
  dataDir,
  sink: (line) => {
    if (line.includes('"webhook accepted"')) counts.accepted += 1;
    else if (line.includes('"event processed"')) counts.processed += 1;
    else if (line.includes('"event moved to DLQ"')) counts.deadLettered += 1;
    file.write(line);
  },
});
stack.api.addPage((req, res) => {
  if (req.url !== '/_load/status') return false;
  const queues = Object.values(stack.queues);
  const body = {
    ...counts,
    queued: queues.reduce((n, q) => n + q.queue.depth().total, 0),
    dlq: queues.reduce((n, q) => n + q.dlq.depth().total, 0),
    rssMb: Math.round(process.memoryUsage().rss / 1e6),
  };
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
  return true;
});
// The signing secrets go to the parent over a pipe, never to a log: it signs the deliveries.
const secrets = Object.fromEntries(
  await Promise.all(webhookSenders(providers).map(async (p) => [p.name, await stack.secrets.get(p.name, p.secret)])),
);
console.log(JSON.stringify({ url: stack.url, secrets }));
process.on('SIGTERM', () => {
  void stack.stop().finally(async () => {
    await file.close();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
});
