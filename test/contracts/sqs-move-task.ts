import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { forward } from './forward';

interface MoveTask {
  TaskHandle: string;
  SourceArn: string;
  DestinationArn?: string;
  Status: 'COMPLETED';
  ApproximateNumberOfMessagesMoved: number;
  StartedTimestamp: number;
}

const MOVE_TARGETS = new Set(['AmazonSQS.StartMessageMoveTask', 'AmazonSQS.ListMessageMoveTasks']);

/**
 * moto_server behind a pass-through proxy that answers SQS StartMessageMoveTask and ListMessageMoveTasks itself,
 * because moto 5.2.1 implements neither (NotImplementedError, a 500 page): the move is done in moto with
 * ReceiveMessage, SendMessage (attributes kept) and DeleteMessage, and reported COMPLETED. Every other call,
 * of every service, goes to moto unchanged.
 *
 * @example
 * const proxy = await new SqsMoveTaskContract(moto.url).start(); // point every client at proxy
 */
export class SqsMoveTaskContract {
  readonly tasks: MoveTask[] = [];
  private server?: Server;
  private readonly sqs: SQSClient;

  constructor(private readonly motoUrl: string) {
    this.sqs = new SQSClient({
      endpoint: motoUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res).catch((err: Error) => this.fail(res, err)));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const target = String(req.headers['x-amz-target'] ?? '');
    if (MOVE_TARGETS.has(target))
      return this.answer(res, await this.moveTask(target, JSON.parse(body.toString('utf8'))));
    return forward(this.motoUrl, req, body, res);
  }

  private async moveTask(target: string, input: { SourceArn: string; DestinationArn?: string }): Promise<unknown> {
    if (target === 'AmazonSQS.ListMessageMoveTasks')
      return {
        Results: this.tasks
          .filter((t) => t.SourceArn === input.SourceArn)
          .reverse()
          .slice(0, 1),
      };
    const url = async (arn: string) => {
      const [, , , , account, name] = arn.split(':');
      return (await this.sqs.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account })))
        .QueueUrl!;
    };
    const [from, to] = [await url(input.SourceArn), await url(input.DestinationArn!)];
    let moved = 0;
    for (;;) {
      const { Messages = [] } = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: from,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ['All'],
          VisibilityTimeout: 30,
        }),
      );
      if (Messages.length === 0) break;
      for (const m of Messages) {
        await this.sqs.send(
          new SendMessageCommand({ QueueUrl: to, MessageBody: m.Body, MessageAttributes: m.MessageAttributes }),
        );
        await this.sqs.send(new DeleteMessageCommand({ QueueUrl: from, ReceiptHandle: m.ReceiptHandle }));
        moved += 1;
      }
    }
    const task: MoveTask = {
      TaskHandle: randomUUID(),
      SourceArn: input.SourceArn,
      DestinationArn: input.DestinationArn,
      Status: 'COMPLETED',
      ApproximateNumberOfMessagesMoved: moved,
      StartedTimestamp: Date.now(),
    };
    this.tasks.push(task);
    return { TaskHandle: task.TaskHandle };
  }

  private answer(res: ServerResponse, body: unknown): void {
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify(body));
  }

  private fail(res: ServerResponse, err: Error): void {
    res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify({ __type: 'InternalError', message: err.message }));
  }
}
