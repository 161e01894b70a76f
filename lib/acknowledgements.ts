import { type CfnElement, Names, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag findings that hold for a kind of resource wherever it is made, with the reason that makes each one true
 * for this stack. The packs run in lib/security-checks.ts; these acknowledge next to the resource, and
 * test/infra/nag.test.ts lists which rule may be acknowledged on which resource.
 */

/** How a function is invoked decides what a function-level DLQ or reserved concurrency would mean. */
export type Trigger = 'api' | 'sqs' | 'schedule' | 'stream' | 'event';

const DLQ_REASON: Record<Trigger, string> = {
  api: 'Invoked synchronously by API Gateway: the caller gets the error (providers redeliver webhooks, command callers retry) and nothing is queued to dead-letter; a function DeadLetterConfig applies only to asynchronous invocations.',
  sqs: "Invoked synchronously by its SQS event source mapping: a failed message stays on the source queue, whose redrive policy moves it to the queue's DLQ after maxReceiveCount (the handler dead-letters permanent failures itself); a function DeadLetterConfig applies only to asynchronous invocations.",
  schedule:
    "Invoked asynchronously by EventBridge Scheduler with an on-failure destination (EventInvokeConfig to the provider's scheduler DLQ, AWS's successor to DeadLetterConfig) and the schedule's own DLQ; the rule reads only DeadLetterConfig.",
  stream:
    "Invoked synchronously by its DynamoDB Streams event source mapping, whose OnFailure destination is the change DLQ (after bisecting, retries and the stream's record age); a function DeadLetterConfig applies only to asynchronous invocations.",
  event:
    "Invoked asynchronously by its EventBridge rule, with an on-failure destination (EventInvokeConfig to the change DLQ, AWS's successor to DeadLetterConfig) and the rule target's own DLQ; the rule reads only DeadLetterConfig.",
};

const CONCURRENCY_REASON: Record<Trigger, string> = {
  api: "Bounded ahead of the function by the API stage's throttling (rate and burst per stage, lib/stages.ts); reserved concurrency would take from the account's pool and add a second, less visible limit that answers providers with 429s.",
  sqs: "Bounded by its SQS event source mapping's maximum concurrency (AWS's recommended limit for SQS consumers); reserved concurrency below it makes Lambda throttle the poller, which returns messages to the queue, raises their receive count and sends them to the DLQ early.",
  schedule:
    'One run per schedule tick, and a DynamoDB lease per poll keeps two runs from syncing at once; reserved concurrency would take from the account pool and make a manual backfill fail instead of waiting for the lease.',
  stream:
    "Bounded by the stream: one batch per shard at a time (parallelization factor 1, which keeps each key's events in order); reserved concurrency below the shard count would hold batches back until their records age out of the stream's 24 hours.",
  event:
    "One short invocation per matching change event, which only queues a command: the provider's rate limit applies downstream, at the target's command writer (its mapping's maximum concurrency); reserved concurrency would take from the account pool and turn bursts of changes into throttled retries.",
};

/**
 * What a function's trigger makes true of the LambdaDLQ rules (Serverless, NIST) and NIST's LambdaConcurrency.
 *
 * @example
 * acknowledgeTrigger(ingestFn, 'api');
 */
export function acknowledgeTrigger(fn: IConstruct, trigger: Trigger): void {
  const v = Validations.of(fn);
  v.acknowledge({ id: 'Serverless-LambdaDLQ', reason: DLQ_REASON[trigger] });
  v.acknowledge({ id: 'NIST.800.53.R5-LambdaDLQ', reason: DLQ_REASON[trigger] });
  v.acknowledge({ id: 'NIST.800.53.R5-LambdaConcurrency', reason: CONCURRENCY_REASON[trigger] });
}

/**
 * A dead-letter queue is the end of its redrive chain: a redrive policy of its own would only move dead letters
 * further from the alarm on it.
 *
 * @example
 * acknowledgeDeadLetterQueue(dlq);
 */
export function acknowledgeDeadLetterQueue(dlq: IConstruct): void {
  Validations.of(dlq).acknowledge({
    id: 'Serverless-SQSRedrivePolicy',
    reason:
      'This queue is itself a dead-letter queue (the end of a redrive chain, alarmed on and redriven by the ops CLI); a redrive policy of its own would only move dead letters further away.',
  });
}

/**
 * SQS event source mappings have no on-failure destination (only stream and Kafka sources do); the source queue's
 * redrive policy is their DLQ.
 *
 * @example
 * acknowledgeSqsMapping(mapping);
 */
export function acknowledgeSqsMapping(mapping: IConstruct): void {
  Validations.of(mapping).acknowledge({
    id: 'Serverless-LambdaEventSourceMappingDestination',
    reason:
      "An SQS event source mapping has no OnFailure destination (CloudFormation offers it for Kinesis, DynamoDB Streams and Kafka only); failed messages go to the source queue's DLQ through its redrive policy.",
  });
}

/**
 * Log groups stay on CloudWatch Logs' own encryption: they hold no payloads, secrets or signatures (tested), and
 * who reads them is decided by IAM either way.
 *
 * @example
 * acknowledgeLogEncryption(logGroup);
 */
export function acknowledgeLogEncryption(logGroup: IConstruct): void {
  Validations.of(logGroup).acknowledge({
    id: 'NIST.800.53.R5-CloudWatchLogGroupEncrypted',
    reason:
      'Encrypted at rest by CloudWatch Logs with service keys. Lines hold no payloads, secrets or signatures (test/integration/log-hygiene.test.ts), and reading them is an IAM permission either way; a customer managed key would add a key policy for the logs service and KMS calls per write.',
  });
}

/**
 * This stack's IAM policies are the per-role `AWS::IAM::Policy` resources CDK grants write, attached to one role
 * each and pinned by test/infra/least-privilege.test.ts.
 *
 * @example
 * acknowledgeRolePolicies(role);
 */
export function acknowledgeRolePolicies(role: IConstruct): void {
  Validations.of(role).acknowledge({
    id: 'NIST.800.53.R5-IAMNoInlinePolicy',
    reason:
      "The role's policy is the one AWS::IAM::Policy CDK's grants write for this role alone, and test/infra/least-privilege.test.ts pins its every action and resource; a customer managed policy per role would hold the same statements in more resources.",
  });
}

/**
 * How cdk-nag names `attribute` of `target` in a finding on `from`: `<LogicalId.Arn>` in the same stack; from a
 * nested stack, the parameter CDK passes it in by (`<referenceto<unique id>Arn>`, CDK's own naming).
 *
 * @example
 * `AwsSolutions-IAM5[Resource::<${nagReference(cfnBucket, 'Arn', role)}>/payloads/github/*]`
 */
export function nagReference(target: CfnElement, attribute: string, from: IConstruct): string {
  const targetStack = Stack.of(target);
  if (Stack.of(from) === targetStack) return `${targetStack.resolve(target.logicalId)}.${attribute}`;
  return `referenceto${Names.nodeUniqueId(target.node)}${attribute}`;
}
