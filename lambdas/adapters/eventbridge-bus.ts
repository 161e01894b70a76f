import { type AwsEndpointConfig, type AwsJsonService, awsJsonClient } from './aws-json';
import type { BusEntry } from '../core/changes/bus-entry';
import type { ChangeBus } from '../core/changes/publish';

/**
 * The change bus in AWS: one PutEvents call per `put` (the caller keeps it within 10 entries and 256 KB),
 * answering which entries EventBridge did not take (throttled, internal failure) by index.
 *
 * @example
 * const bus = new EventBridgeBus(eventBridgeCaller(), process.env.CHANGE_BUS!);
 * const { failed } = await bus.put([{ source: 'integration.github', detailType: 'issue.created', detail }]);
 */
export class EventBridgeBus implements ChangeBus {
  constructor(
    private readonly call: EventBridgeCaller,
    private readonly busName: string,
  ) {}

  async put(entries: BusEntry[]): Promise<{ failed: { index: number; code?: string }[] }> {
    const res = (await this.call('PutEvents', {
      Entries: entries.map((e) => ({
        EventBusName: this.busName,
        Source: e.source,
        DetailType: e.detailType,
        Detail: e.detail,
      })),
    })) as { Entries?: { ErrorCode?: string | null }[]; FailedEntryCount?: number };
    const failed = (res.Entries ?? [])
      .map((r, index) => ({ index, code: r.ErrorCode ?? undefined }))
      .filter((r) => r.code !== undefined);
    // A count without per-entry codes still means something was not taken: retry from the first.
    if (failed.length === 0 && (res.FailedEntryCount ?? 0) > 0) return { failed: [{ index: 0, code: 'unknown' }] };
    return { failed };
  }
}

export const EVENTBRIDGE: AwsJsonService = {
  signingName: 'events',
  targetPrefix: 'AWSEvents',
  jsonVersion: '1.1',
  endpointEnv: 'AWS_ENDPOINT_URL_EVENTBRIDGE',
};

export type EventBridgeCaller = ReturnType<typeof awsJsonClient>;

/**
 * EventBridge's PutEvents over its JSON protocol (aws-json.ts), created once per Lambda instance: the SDK's
 * EventBridge client would add its ~130 KB (with @smithy/core) to the change publisher's cold start.
 */
export const eventBridgeCaller = (config: AwsEndpointConfig = {}): EventBridgeCaller =>
  awsJsonClient(EVENTBRIDGE, config);
