import { operationOf } from '../client/request-url';
import type { ClientRequest, Page, PagePosition } from '../client/types';
import { IntegrationError } from '../errors';
import type { SyncRecord } from '../records';
import type { PollSpec, SyncWindow } from '../provider';
import { contentHash } from './content-hash';
import { lowOnTime, progress, type PageSink, type Run } from './run';
import type { QuarantineEntry } from './state';
import type { WindowOutcome } from './window-outcome';

export type { WindowFailure, WindowOutcome } from './window-outcome';

/** Saves where a long window got to, every `progressEveryPages` pages. */
export type SaveProgress = (position: PagePosition, pages: number) => Promise<void>;

/** A page's records by stable key with their content hash, and the ones the poll's mapping refused. */
function mapPage(run: Run, poll: PollSpec, window: SyncWindow, page: Page, operation: string) {
  const bad: QuarantineEntry[] = page.quarantined.map((q) => ({
    ...q,
    window,
    position: page.position,
    id: contentHash(q.record),
  }));
  const byKey = new Map<string, SyncRecord>();
  page.records.forEach((raw, index) => {
    try {
      const r = poll.record(raw);
      if (byKey.has(r.key)) run.summary.recordsUnchanged += 1; // the provider repeated it on this page
      byKey.set(r.key, { key: r.key, version: r.version, data: r.data, hash: contentHash(r.data, r.version) });
    } catch (err) {
      const reason = `mapping: ${(err as Error).message}`.slice(0, 300);
      bad.push({ index, record: raw, reason, window, position: page.position, id: contentHash(raw) });
      run.emit({ type: 'record_unmapped', operation });
    }
  });
  return { records: [...byKey.values()], bad };
}

/** Validated records -> stable key, content hash -> written only if new or changed; the bad ones quarantined. */
async function storePage(
  run: Run,
  poll: PollSpec,
  window: SyncWindow,
  page: Page,
  fetchedAt: number,
  operation: string,
) {
  const { deps, provider, summary } = run;
  if (page.drift?.length) run.drift.merge(page.drift);
  const { records, bad } = mapPage(run, poll, window, page, operation);
  const meta = { fetchedAt, source: poll.name, now: deps.now() };
  const outcomes = records.length > 0 ? await deps.records.putIfChanged(provider, poll.type, records, meta) : [];
  for (const outcome of outcomes) {
    if (outcome === 'written') summary.recordsWritten += 1;
    else if (outcome === 'unchanged') summary.recordsUnchanged += 1;
    else summary.recordsStale += 1;
  }
  if (bad.length > 0) {
    summary.recordsQuarantined += bad.length;
    await deps.state.quarantine(provider, poll.name, bad, deps.now());
  }
}

/**
 * A poll's sink: each page's records to the records table, written only if new or changed.
 *
 * @example
 * const run = startRun({ provider, poll }, deps, syncObserver(deps.telemetry), recordsSink(poll));
 */
export const recordsSink = (poll: PollSpec): PageSink => ({
  open: (run, window, operation) => (page, fetchedAt) => storePage(run, poll, window, page, fetchedAt, operation),
});

/** Writes one page while the next is fetched; every exit awaits `settled()`, so no page is left unwritten. */
interface PageWriter {
  /** Pages written. */
  readonly pages: number;
  /** Pages handed over, written or not yet. */
  readonly handed: number;
  /** The sink refused a page (an IntegrationError): the window fails there; no later page is written. */
  readonly refused?: { error: IntegrationError; position: PagePosition };
  write(page: Page, fetchedAt: number): Promise<void>;
  settled(): Promise<void>;
}

function pageWriter(run: Run, window: SyncWindow, operation: string): PageWriter {
  const store = run.sink.open(run, window, operation);
  let writing: Promise<void> = Promise.resolve();
  const writer: { -readonly [K in keyof PageWriter]: PageWriter[K] } = {
    pages: 0,
    handed: 0,
    async write(page: Page, fetchedAt: number) {
      await writing;
      if (writer.refused) return;
      writing = store(page, fetchedAt).then(
        () => {
          writer.pages += 1;
          run.summary.pages += 1;
          progress(run);
        },
        (err: unknown) => {
          if (!(err instanceof IntegrationError)) throw err;
          writer.refused = { error: err, position: page.position };
        },
      );
      writing.catch(() => undefined); // awaited (and thrown) at the next page or exit
      writer.handed += 1;
    },
    settled: () => writing,
  };
  return writer;
}

/** The window's outcome once every handed page is written: the sink's refusal overrides `out`. */
async function settle(writer: PageWriter, out: WindowOutcome): Promise<WindowOutcome> {
  await writer.settled();
  const refused = writer.refused;
  return refused ? { ok: false, position: refused.position, pages: writer.pages, error: refused.error } : out;
}

/** The page's last record is older than the window (a newest-first list that ignores it): the window is done. */
const pastWindow = (run: Run, window: SyncWindow, page: Page): boolean =>
  run.poll.olderThan !== undefined &&
  page.records.length > 0 &&
  run.poll.olderThan(page.records[page.records.length - 1], window);

/** One pass of the client's pagination from `start`: the window's outcome, or where `max_pages` left off. */
async function pageThrough(
  run: Run,
  window: SyncWindow,
  request: ClientRequest,
  start: PagePosition | undefined,
  writer: PageWriter,
  saveEvery?: SaveProgress,
): Promise<WindowOutcome | { more: PagePosition }> {
  const { deps, poll } = run;
  let position = start;
  for await (const result of deps.client.paginate(request, poll.pagination, run.callCtx, {
    schema: poll.schema,
    start,
  })) {
    if (!result.ok) {
      // A call cut short by the run's own deadline is a clean stop, not a failed window.
      const why =
        result.error.kind === 'timeout' && lowOnTime(run) ? { stop: 'deadline' as const } : { error: result.error };
      return settle(writer, { ok: false, position: result.position, pages: writer.pages, ...why });
    }
    await writer.write(result.page, deps.now());
    const { stop: end, next } = result.page;
    if (writer.refused || pastWindow(run, window, result.page)) return settle(writer, { ok: true });
    if (end === 'max_pages' && next) {
      await writer.settled();
      return writer.refused ? settle(writer, { ok: true }) : { more: next };
    }
    if (end || !next) return settle(writer, { ok: true });
    position = next;
    if (saveEvery && writer.handed % run.options.progressEveryPages === 0) {
      await writer.settled();
      if (writer.refused) return settle(writer, { ok: true });
      await saveEvery(position, writer.pages);
    }
    if (lowOnTime(run)) return settle(writer, { ok: false, position, pages: writer.pages, stop: 'deadline' });
  }
  return settle(writer, { ok: true });
}

/**
 * Pages through one window from `start` and stores each page; carries on where `max_pages` stopped; stops
 * before a page when the run runs short of time. Throws only for a store's failure.
 *
 * @example
 * const out = await syncWindow(run, { from, to }, gap.position);
 * if (!out.ok && out.stop === 'deadline') saveWhere(out.position);
 */
export async function syncWindow(
  run: Run,
  window: SyncWindow,
  start: PagePosition | undefined,
  saveEvery?: SaveProgress,
): Promise<WindowOutcome> {
  const request = run.poll.request(window);
  const writer = pageWriter(run, window, request.operation ?? operationOf(request));
  let position = start;
  for (;;) {
    if (lowOnTime(run)) return { ok: false, position, pages: writer.pages, stop: 'deadline' };
    const out = await pageThrough(run, window, request, position, writer, saveEvery);
    if (!('more' in out)) return out;
    position = out.more;
  }
}
