import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The AWS calls our adapters make, spoken over HTTP on 127.0.0.1 the way the services speak them
 * (SQS: JSON 1.0; S3: REST XML, path style; CloudFormation: Query/XML), so the real SDK clients
 * run against it via `endpoint`. Only the calls and fields the adapters use; tests never reach AWS.
 */
export interface SimMessage {
  id: string;
  body: string;
  attributes: Record<string, string>;
  sentAt: number;
  receiveCount: number;
  visibleAt: number;
  handle?: string;
}

export interface SimQueue {
  name: string;
  url: string;
  arn: string;
  /** Set on a queue whose DLQ is `deadLetterTargetArn` (StartMessageMoveTask needs a real DLQ). */
  deadLetterTargetArn?: string;
  messages: SimMessage[];
}

export class AwsContract {
  readonly calls: { service: string; op: string; input: unknown }[] = [];
  readonly queues: SimQueue[] = [];
  readonly objects = new Map<string, Buffer>();
  stackOutputs: Record<string, string> = {};
  /** How many ListMessageMoveTasks calls report RUNNING before COMPLETED. */
  moveTaskPolls = 1;
  private moveTasks: {
    handle: string;
    source: string;
    destination: string;
    moved: number;
    polls: number;
    startedAt: number;
  }[] = [];
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.route(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  addQueue(name: string, opts: { dlq?: SimQueue } = {}): SimQueue {
    const q: SimQueue = {
      name,
      url: `${this.url}/000000000000/${name}`,
      arn: `arn:aws:sqs:us-east-1:000000000000:${name}`,
      deadLetterTargetArn: opts.dlq?.arn,
      messages: [],
    };
    this.queues.push(q);
    return q;
  }

  put(q: SimQueue, body: string, attributes: Record<string, string> = {}): void {
    q.messages.push({ id: randomUUID(), body, attributes, sentAt: Date.now(), receiveCount: 0, visibleAt: 0 });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const target = req.headers['x-amz-target'];
    if (typeof target === 'string' && target.startsWith('AmazonSQS.'))
      return this.sqs(
        target.slice('AmazonSQS.'.length),
        JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>,
        res,
      );
    if (req.method === 'POST' && String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded'))
      return this.cloudFormation(new URLSearchParams(raw.toString('utf8')), res);
    return this.s3(req, raw, res);
  }

  // --- SQS (JSON 1.0) ---
  private sqs(op: string, input: Record<string, unknown>, res: ServerResponse): void {
    this.calls.push({ service: 'sqs', op, input });
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() });
      res.end(JSON.stringify(body));
    };
    const error = (type: string, message: string) => json(400, { __type: `com.amazonaws.sqs#${type}`, message });
    const byUrl = (url: unknown) => this.queues.find((q) => q.url === url);
    const byArn = (arn: unknown) => this.queues.find((q) => q.arn === arn);
    const now = Date.now();
    const md5 = (s: string) => createHash('md5').update(s).digest('hex');
    switch (op) {
      case 'GetQueueAttributes': {
        const q = byUrl(input.QueueUrl);
        if (!q) return error('QueueDoesNotExist', 'The specified queue does not exist.');
        return json(200, {
          Attributes: {
            QueueArn: q.arn,
            ApproximateNumberOfMessages: String(q.messages.filter((m) => m.visibleAt <= now).length),
          },
        });
      }
      case 'ReceiveMessage': {
        const q = byUrl(input.QueueUrl);
        if (!q) return error('QueueDoesNotExist', 'The specified queue does not exist.');
        const max = Number(input.MaxNumberOfMessages ?? 1);
        const out = q.messages.filter((m) => m.visibleAt <= now).slice(0, max);
        for (const m of out) {
          m.receiveCount += 1;
          m.visibleAt = now + Number(input.VisibilityTimeout ?? 30) * 1000;
          m.handle = randomUUID();
        }
        return json(200, {
          Messages: out.map((m) => ({
            MessageId: m.id,
            ReceiptHandle: m.handle,
            MD5OfBody: md5(m.body),
            Body: m.body,
            Attributes: { SentTimestamp: String(m.sentAt), ApproximateReceiveCount: String(m.receiveCount) },
            MessageAttributes: Object.fromEntries(
              Object.entries(m.attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
            ),
          })),
        });
      }
      case 'ChangeMessageVisibilityBatch': {
        const q = byUrl(input.QueueUrl);
        if (!q) return error('QueueDoesNotExist', 'The specified queue does not exist.');
        const entries = input.Entries as { Id: string; ReceiptHandle: string; VisibilityTimeout: number }[];
        for (const e of entries) {
          const m = q.messages.find((x) => x.handle === e.ReceiptHandle);
          if (m) m.visibleAt = now + e.VisibilityTimeout * 1000;
        }
        return json(200, { Successful: entries.map((e) => ({ Id: e.Id })), Failed: [] });
      }
      case 'SendMessage': {
        const q = byUrl(input.QueueUrl);
        if (!q) return error('QueueDoesNotExist', 'The specified queue does not exist.');
        const attributes = (input.MessageAttributes ?? {}) as Record<string, { StringValue: string }>;
        this.put(
          q,
          String(input.MessageBody),
          Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, v.StringValue])),
        );
        return json(200, { MessageId: q.messages.at(-1)!.id, MD5OfMessageBody: md5(String(input.MessageBody)) });
      }
      case 'SendMessageBatch': {
        const q = byUrl(input.QueueUrl);
        if (!q) return error('QueueDoesNotExist', 'The specified queue does not exist.');
        const entries = input.Entries as {
          Id: string;
          MessageBody: string;
          MessageAttributes?: Record<string, { StringValue: string }>;
        }[];
        if (entries.length > 10)
          return error('TooManyEntriesInBatchRequest', 'Maximum number of entries per request are 10.');
        const successful = entries.map((e) => {
          this.put(
            q,
            e.MessageBody,
            Object.fromEntries(Object.entries(e.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue])),
          );
          return { Id: e.Id, MessageId: q.messages.at(-1)!.id, MD5OfMessageBody: md5(e.MessageBody) };
        });
        return json(200, { Successful: successful, Failed: [] });
      }
      case 'StartMessageMoveTask': {
        const source = byArn(input.SourceArn);
        const destination = byArn(input.DestinationArn);
        if (!source || !destination) return error('ResourceNotFoundException', 'queue not found');
        if (!this.queues.some((q) => q.deadLetterTargetArn === source.arn))
          return error('InvalidParameterValue', 'Source queue must be configured as a Dead Letter Queue.');
        const moving = source.messages.filter((m) => m.visibleAt <= now);
        source.messages = source.messages.filter((m) => !moving.includes(m));
        // Moved messages keep body and attributes; their receive count starts again.
        for (const m of moving)
          destination.messages.push({
            ...m,
            id: randomUUID(),
            receiveCount: 0,
            visibleAt: 0,
            handle: undefined,
            sentAt: now,
          });
        const handle = randomUUID();
        this.moveTasks.push({
          handle,
          source: source.arn,
          destination: destination.arn,
          moved: moving.length,
          polls: 0,
          startedAt: now,
        });
        return json(200, { TaskHandle: handle });
      }
      case 'ListMessageMoveTasks': {
        const tasks = this.moveTasks
          .filter((t) => t.source === input.SourceArn)
          .reverse()
          .slice(0, Number(input.MaxResults ?? 1));
        return json(200, {
          Results: tasks.map((t) => {
            t.polls += 1;
            const running = t.polls <= this.moveTaskPolls;
            return {
              TaskHandle: running ? t.handle : undefined,
              Status: running ? 'RUNNING' : 'COMPLETED',
              SourceArn: t.source,
              DestinationArn: t.destination,
              ApproximateNumberOfMessagesMoved: running ? 0 : t.moved,
              ApproximateNumberOfMessagesToMove: t.moved,
              StartedTimestamp: t.startedAt,
            };
          }),
        });
      }
      default:
        return error('UnsupportedOperation', `${op} is not simulated`);
    }
  }

  // --- S3 (REST XML, path style: /bucket/key) ---
  private s3(req: IncomingMessage, raw: Buffer, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const [, bucket, ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const xml = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?>${body}`);
    };
    const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    if (req.method === 'PUT' && key) {
      this.calls.push({
        service: 's3',
        op: 'PutObject',
        input: { bucket, key, contentType: req.headers['content-type'] },
      });
      this.objects.set(`${bucket}/${key}`, raw);
      res.writeHead(200, { etag: `"${createHash('md5').update(raw).digest('hex')}"` });
      return void res.end();
    }
    if (req.method === 'GET' && key) {
      this.calls.push({ service: 's3', op: 'GetObject', input: { bucket, key } });
      const body = this.objects.get(`${bucket}/${key}`);
      if (!body)
        return xml(
          404,
          `<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>${esc(key)}</Key></Error>`,
        );
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) });
      return void res.end(body);
    }
    if (req.method === 'GET' && url.searchParams.get('list-type') === '2') {
      const prefix = url.searchParams.get('prefix') ?? '';
      const max = 2; // small pages, so pagination is exercised
      const all = [...this.objects.keys()]
        .filter((k) => k.startsWith(`${bucket}/${prefix}`))
        .map((k) => k.slice(bucket!.length + 1))
        .sort();
      const start = Number(url.searchParams.get('continuation-token') ?? 0);
      const page = all.slice(start, start + max);
      const truncated = start + max < all.length;
      this.calls.push({ service: 's3', op: 'ListObjectsV2', input: { bucket, prefix, start } });
      return xml(
        200,
        `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${bucket}</Name><Prefix>${esc(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${truncated ? `<NextContinuationToken>${start + max}</NextContinuationToken>` : ''}${page.map((k) => `<Contents><Key>${esc(k)}</Key><Size>${this.objects.get(`${bucket}/${k}`)!.length}</Size></Contents>`).join('')}</ListBucketResult>`,
      );
    }
    return xml(400, '<Error><Code>NotImplemented</Code><Message>not simulated</Message></Error>');
  }

  // --- CloudFormation (Query protocol, XML answers) ---
  private cloudFormation(params: URLSearchParams, res: ServerResponse): void {
    const op = params.get('Action') ?? '';
    this.calls.push({ service: 'cloudformation', op, input: Object.fromEntries(params) });
    res.writeHead(200, { 'content-type': 'text/xml' });
    const outputs = Object.entries(this.stackOutputs)
      .map(([k, v]) => `<member><OutputKey>${k}</OutputKey><OutputValue>${v}</OutputValue></member>`)
      .join('');
    res.end(
      `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member><StackName>${params.get('StackName')}</StackName><StackId>arn:aws:cloudformation:us-east-1:000000000000:stack/x/1</StackId><CreationTime>2024-05-01T00:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus><Outputs>${outputs}</Outputs></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></DescribeStacksResponse>`,
    );
  }
}
