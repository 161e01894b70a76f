import type { RecoverySpec } from '../provider';
import type { PageSink } from '../sync/run';

type Redeliver = Extract<RecoverySpec['deliver'], { kind: 'redeliver' }>;

/**
 * A recovery's sink for delivery logs (GitHub's hook deliveries, newest first): per `guid`, the newest failed
 * delivery of the window is redelivered, unless a delivery of that guid succeeded (seen on this page or a newer
 * one) or it was asked for already in this window. The provider then sends it again, signed, through the ingest.
 * A refusal for that one delivery (`permanent`: too old, spammed) is reported and skipped; any other failure
 * fails the window, which becomes a gap and is tried again (a repeated redelivery is deduplicated by its guid).
 *
 * @example
 * await runPoll({ provider: github, poll: deliveries, sink: redeliverSink(deliveries, deliveries.deliver, 'octo/hello/1') }, deps);
 */
export function redeliverSink(spec: RecoverySpec, deliver: Redeliver, target: string | undefined): PageSink {
  return {
    open: (run, window) => {
      const succeeded = new Set<string>();
      const asked = new Set<string>();
      return async (page) => {
        if (page.drift?.length) run.drift.merge(page.drift);
        for (const item of page.records) {
          const guid = deliver.guid(item);
          if (deliver.ok(item)) succeeded.add(guid);
          const at = deliver.at(item);
          if (deliver.ok(item) || at < window.from || at >= window.to || succeeded.has(guid) || asked.has(guid))
            continue;
          asked.add(guid);
          const res = await run.deps.client.request(deliver.request(item, target), run.callCtx);
          if (res.ok) {
            run.summary.eventsRecovered += 1;
            run.emit({ type: 'redelivered', recovery: spec.name, guid, deliveredAt: at });
          } else if (res.error.kind === 'permanent') {
            run.emit({ type: 'redelivery_refused', recovery: spec.name, guid, error: res.error });
          } else {
            throw res.error;
          }
        }
      };
    },
  };
}
