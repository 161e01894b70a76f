import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { BusEntry } from '../core/changes/bus-entry';
import type { ChangeBus } from '../core/changes/publish';

/**
 * The change bus in AWS: one PutEvents call per `put` (the caller keeps it within 10 entries and 256 KB),
 * answering which entries EventBridge did not take (throttled, internal failure) by index.
 *
 * @example
 * const bus = new EventBridgeBus(new EventBridgeClient({}), process.env.CHANGE_BUS!);
 * const { failed } = await bus.put([{ source: 'integration.github', detailType: 'issue.created', detail }]);
 */
export class EventBridgeBus implements ChangeBus {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async put(entries: BusEntry[]): Promise<{ failed: { index: number; code?: string }[] }> {
    const res = await this.client.send(
      new PutEventsCommand({
        Entries: entries.map((e) => ({
          EventBusName: this.busName,
          Source: e.source,
          DetailType: e.detailType,
          Detail: e.detail,
        })),
      }),
    );
    const failed = (res.Entries ?? [])
      .map((r, index) => ({ index, code: r.ErrorCode }))
      .filter((r) => r.code !== undefined && r.code !== null);
    // A count without per-entry codes still means something was not taken: retry from the first.
    if (failed.length === 0 && (res.FailedEntryCount ?? 0) > 0) return { failed: [{ index: 0, code: 'unknown' }] };
    return { failed };
  }
}

/** A client for the bus, created once per Lambda instance. */
export const createEventBridgeClient = (): EventBridgeClient => new EventBridgeClient({});
