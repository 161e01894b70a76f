import { ScanCommand, type DynamoDBDocument } from '@aws-sdk/lib-dynamodb';
import { ATTR } from '../../lambdas/core/event-message';
import { recordKey } from '../../lambdas/core/records';
import { CMD_ATTR } from '../../lambdas/core/writes/command';
import type { StoredMessage } from '../queue';
import type { BackfillPlan } from './backfill';
import type { SentDelivery } from './send-webhooks';
import type { WebhookPlan } from './webhook-plan';
import type { WritePlan } from './writes';

/**
 * The figures of a chaos run, each defined exactly (`result.json` holds these keys, and only these):
 *
 * - `events_sent`: distinct events the simulated providers emitted with a valid signature and a JSON body
 *   (valid and poison), each counted once however often it was delivered (duplicates, retries, replays).
 * - `events_applied`: of those, the distinct events the processor applied: at least one `event processed`
 *   log line for the event id (its entity written, or found already newer: `stale`/`duplicate` outcomes).
 * - `lost`: an accepted (2xx) event, or an accepted (202) write command, whose effect is not in the final
 *   state and which is not in a DLQ with a reason. A valid event's effect is in the state when its
 *   entity's record holds its version or a higher one; a poison event has no effect, so it is lost unless
 *   dead-lettered with a reason; a command's effect is its outcome `succeeded`.
 * - `duplicated`: an event applied twice (two `event processed` lines for one event id that both wrote
 *   the entity), plus every provider resource beyond the first for one ref (a customer or card created twice).
 * - `stale_overwrites`: a record whose final version is lower than the highest version accepted for its
 *   entity (an older event written over a newer one, or the newer one missing).
 * - `forged_sent`: deliveries that must fail authentication: a wrong secret, a body changed after signing,
 *   a timestamp outside the tolerance, and exact replays of timestamped deliveries once out of tolerance.
 * - `forged_accepted`: of those, the ones answered 2xx, plus records holding the event id of any delivery
 *   that had to be refused (forged, stale, malformed, oversized).
 * - `poison_in_dlq_with_reason`: poison events (valid signature, schema-invalid) in a webhook DLQ with a
 *   failure kind and reason, plus schema-invalid polled records in the poll's quarantine with their reason.
 *   Malformed bodies never get this far: ingest answers them 400, which the run also checks.
 * - `records_expected`: one per entity of a valid event (its highest version) and one per valid fixture of
 *   the backfill range: what the records table must hold.
 * - `records_found`: of those, the records found exactly as expected: a webhook entity at its highest
 *   version written by the event that carried it; a fixture under its key with its own id.
 * - `writes_expected`: distinct refs the write commands create (each must exist once at its provider).
 * - `provider_resources_found`: refs found at their provider (a Stripe customer by its metadata, a Trello
 *   card by its marker line), each counted once; extra copies count in `duplicated`.
 * - `secrets_found_in_logs`: distinct secret values (every provider secret and credential the stack holds)
 *   and signature digests the run sent, found anywhere in what the stack logged.
 */
export interface ChaosFigures {
  events_sent: number;
  events_applied: number;
  lost: number;
  duplicated: number;
  stale_overwrites: number;
  forged_sent: number;
  forged_accepted: number;
  poison_in_dlq_with_reason: number;
  records_expected: number;
  records_found: number;
  writes_expected: number;
  provider_resources_found: number;
  secrets_found_in_logs: number;
}

/** Exit 0 only when all hold. */
export function passed(f: ChaosFigures): boolean {
  return (
    f.lost === 0 &&
    f.duplicated === 0 &&
    f.stale_overwrites === 0 &&
    f.forged_accepted === 0 &&
    f.secrets_found_in_logs === 0 &&
    f.records_found === f.records_expected &&
    f.provider_resources_found === f.writes_expected
  );
}

/** Everything else worth seeing when a figure is off (printed, and written next to result.json). */
export interface ChaosDetails {
  /**
   * Deliveries whose answer was not the expected class (a valid one refused every time, a forged one 2xx, a malformed
   * one not 400, ...).
   */
  unexpectedAnswers: { kind: string; expect: string; statuses: number[] }[];
  /** Dead-lettered messages that are not poison, or carry no reason. */
  unexpectedDeadLetters: { queue: string; id?: string; kind?: string; reason?: string }[];
  /** Accepted commands that did not succeed. */
  failedCommands: { commandId: string; status?: string; error?: string }[];
  /** Records no valid event or fixture accounts for. */
  unexpectedRecords: string[];
  quarantined: number;
  poisonSent: number;
}

export interface VerifyInput {
  webhooks: WebhookPlan;
  sent: SentDelivery[];
  writes: WritePlan;
  commandsSent: { provider: string; commandId: string; statuses: number[] }[];
  commandOutcome(
    provider: string,
    commandId: string,
  ): Promise<{ status: string; lastError?: { message: string } } | undefined>;
  backfill: BackfillPlan;
  doc: DynamoDBDocument;
  tables: { records: string; quarantine: string };
  webhookDlqs: Record<string, StoredMessage[]>;
  commandDlqs: Record<string, StoredMessage[]>;
  resources: Map<string, number>;
  /** Every line the stack logged. */
  logLines: string[];
  secrets: string[];
  signatures: Set<string>;
}

async function scan(doc: DynamoDBDocument, table: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/**
 * Which of `values` (20+ characters each) appear in `text`: one pass over its long hex/base64 runs, indexed by
 * 16-character prefixes.
 */
export function foundIn(text: string, values: Iterable<string>): string[] {
  const byPrefix = new Map<string, string[]>();
  for (const v of values) byPrefix.set(v.slice(0, 16), [...(byPrefix.get(v.slice(0, 16)) ?? []), v]);
  const found = new Set<string>();
  for (const run of text.match(/[A-Za-z0-9+/=_-]{16,}/g) ?? []) {
    for (let i = 0; i + 16 <= run.length; i += 1) {
      for (const v of byPrefix.get(run.slice(i, i + 16)) ?? []) if (run.startsWith(v, i)) found.add(v);
    }
  }
  return [...found];
}

/**
 * What the processor did, from its own log lines: per event id, how often it was processed, and how often that wrote.
 */
function processorLog(logLines: string[]): { applied: Map<string, number>; writes: Map<string, number> } {
  const applied = new Map<string, number>();
  const writes = new Map<string, number>();
  for (const line of logLines) {
    if (!line.includes('"event processed"')) continue;
    const entry = JSON.parse(line) as { message?: string; event_id?: string; written?: number };
    if (entry.message !== 'event processed' || !entry.event_id) continue;
    applied.set(entry.event_id, (applied.get(entry.event_id) ?? 0) + 1);
    if ((entry.written ?? 0) > 0) writes.set(entry.event_id, (writes.get(entry.event_id) ?? 0) + 1);
  }
  return { applied, writes };
}

/** Event and command ids dead-lettered with a failure kind and reason; any other dead letter is unexpected. */
function deadLetters(v: VerifyInput, details: ChaosDetails): { events: Set<string>; commands: Set<string> } {
  const events = new Set<string>();
  const poison = new Set(v.webhooks.events.filter((e) => e.poison).map((e) => e.eventId));
  for (const [queue, messages] of Object.entries(v.webhookDlqs)) {
    for (const m of messages) {
      const id = m.attributes[ATTR.eventId];
      const kind = m.attributes[ATTR.failureKind];
      const reason = m.attributes[ATTR.failureReason];
      if (id && kind && reason) events.add(id);
      if (!id || !poison.has(id) || !kind || !reason) details.unexpectedDeadLetters.push({ queue, id, kind, reason });
    }
  }
  const commands = new Set<string>();
  for (const [queue, messages] of Object.entries(v.commandDlqs)) {
    for (const m of messages) {
      const id = m.attributes[CMD_ATTR.commandId];
      const kind = m.attributes[ATTR.failureKind];
      const reason = m.attributes[ATTR.failureReason];
      if (id && kind && reason) commands.add(id);
      details.unexpectedDeadLetters.push({ queue, id, kind, reason });
    }
  }
  return { events, commands };
}

type Records = Map<string, { version?: number; eventId?: string; data?: string }>;

async function readRecords(v: VerifyInput): Promise<Records> {
  const records: Records = new Map();
  for (const item of await scan(v.doc, v.tables.records))
    records.set(item.pk as string, {
      version: item.version as number | undefined,
      eventId: item.eventId as string | undefined,
      data: item.data as string | undefined,
    });
  return records;
}

/** Event ids answered 2xx when they were meant to be; answers of the wrong class go to the details. */
function acceptedEvents(v: VerifyInput, details: ChaosDetails): Set<string> {
  const byId = new Map(v.webhooks.deliveries.map((d) => [d.id, d]));
  const accepted = new Set<string>();
  for (const s of v.sent) {
    const d = byId.get(s.id)!;
    if (s.accepted && d.expect === 'accepted') accepted.add(d.event.eventId);
    const ok = d.expect === 'accepted' ? s.accepted : s.statuses.length === 1 && s.statuses[0] === d.expect;
    if (!ok) details.unexpectedAnswers.push({ kind: d.kind, expect: String(d.expect), statuses: s.statuses });
  }
  return accepted;
}

/** Webhook events: lost (accepted, neither in the records nor dead-lettered), stale overwrites, records as expected. */
function webhookOutcome(v: VerifyInput, records: Records, accepted: Set<string>, dead: Set<string>) {
  let lost = 0;
  let staleOverwrites = 0;
  let found = 0;
  for (const e of v.webhooks.events) {
    if (!accepted.has(e.eventId)) continue;
    if (e.poison) lost += dead.has(e.eventId) ? 0 : 1;
    else if (
      (records.get(recordKey(e.provider, e.type, e.key))?.version ?? -Infinity) < e.version &&
      !dead.has(e.eventId)
    )
      lost += 1;
  }
  for (const [pk, want] of v.webhooks.expected) {
    const stored = records.get(pk);
    if (stored && (stored.version ?? -Infinity) < want.version) staleOverwrites += 1;
    if (stored && stored.version === want.version && stored.eventId === want.eventId) found += 1;
  }
  return { lost, staleOverwrites, found };
}

const FIXTURE = 'football#fixture#';

/**
 * The backfill's fixtures found under their keys with their own ids; records nothing accounts for go to the details.
 */
function backfillOutcome(v: VerifyInput, records: Records, details: ChaosDetails): number {
  let found = 0;
  for (const key of v.backfill.expected) {
    const stored = records.get(`${FIXTURE}${key}`);
    const id = stored?.data ? (JSON.parse(stored.data) as { fixture?: { id?: unknown } }).fixture?.id : undefined;
    if (stored && `${String(id)}#` === key.slice(0, key.indexOf('#') + 1)) found += 1;
  }
  for (const pk of records.keys()) {
    const fixture = pk.startsWith(FIXTURE) && v.backfill.expected.has(pk.slice(FIXTURE.length));
    if (!v.webhooks.expected.has(pk) && !fixture) details.unexpectedRecords.push(pk);
  }
  return found;
}

/** Schema-invalid fixtures of the backfill in the quarantine with their reason. */
async function quarantinedFixtures(v: VerifyInput): Promise<Set<number>> {
  const ids = new Set<number>();
  for (const item of await scan(v.doc, v.tables.quarantine)) {
    if (!item.reason) continue;
    const record = (typeof item.record === 'string' ? JSON.parse(item.record) : item.record) as
      | { fixture?: { id?: unknown } }
      | undefined;
    const id = Number(record?.fixture?.id);
    if (v.backfill.invalid.has(id)) ids.add(id);
  }
  return ids;
}

/** Accepted commands that did not succeed (lost unless dead-lettered), refs found at their provider, extra copies. */
async function writesOutcome(v: VerifyInput, deadCommands: Set<string>, details: ChaosDetails) {
  let lost = 0;
  for (const c of v.commandsSent.filter((x) => x.statuses.some((s) => s >= 200 && s < 300))) {
    const outcome = await v.commandOutcome(c.provider, c.commandId);
    if (outcome?.status === 'succeeded') continue;
    details.failedCommands.push({
      commandId: c.commandId,
      status: outcome?.status,
      error: outcome?.lastError?.message,
    });
    if (!deadCommands.has(c.commandId)) lost += 1;
  }
  const refs = [...v.writes.refs.stripe, ...v.writes.refs.trello];
  const found = refs.filter((ref) => (v.resources.get(ref) ?? 0) > 0).length;
  const extra = [...v.resources.values()].reduce((n, count) => n + Math.max(0, count - 1), 0);
  return { lost, expected: refs.length, found, extra };
}

const FORGED = new Set(['forged-secret', 'forged-tamper', 'stale']);

/**
 * Compares the final state (records, DLQs, quarantine, simulators' resources, logs) with the state the
 * seed implies, and computes the figures.
 *
 * @example
 * const { figures, details } = await verify(input);
 * process.exitCode = passed(figures) ? 0 : 1;
 */
export async function verify(v: VerifyInput): Promise<{ figures: ChaosFigures; details: ChaosDetails }> {
  const details: ChaosDetails = {
    unexpectedAnswers: [],
    unexpectedDeadLetters: [],
    failedCommands: [],
    unexpectedRecords: [],
    quarantined: 0,
    poisonSent: v.webhooks.events.filter((e) => e.poison).length,
  };
  const { applied, writes } = processorLog(v.logLines);
  const dead = deadLetters(v, details);
  const records = await readRecords(v);
  const webhooks = webhookOutcome(v, records, acceptedEvents(v, details), dead.events);
  const fixturesFound = backfillOutcome(v, records, details);
  const quarantined = await quarantinedFixtures(v);
  details.quarantined = quarantined.size;
  const commands = await writesOutcome(v, dead.commands, details);
  const forged = v.sent.filter((s) => FORGED.has(s.kind) || (s.kind === 'replay' && s.expect === 401));
  const forgedInRecords = [...records.values()].filter((r) => r.eventId && v.webhooks.rejectedEventIds.has(r.eventId));
  const all = v.logLines.join('\n');
  const leaked = v.secrets.filter((s) => s.length >= 8 && all.includes(s)).length + foundIn(all, v.signatures).length;
  const figures: ChaosFigures = {
    events_sent: v.webhooks.events.length,
    events_applied: v.webhooks.events.filter((e) => applied.has(e.eventId)).length,
    lost: webhooks.lost + commands.lost,
    duplicated: [...writes.values()].filter((n) => n > 1).length + commands.extra,
    stale_overwrites: webhooks.staleOverwrites,
    forged_sent: forged.length,
    forged_accepted: forged.filter((s) => s.accepted).length + forgedInRecords.length,
    poison_in_dlq_with_reason:
      v.webhooks.events.filter((e) => e.poison && dead.events.has(e.eventId)).length + quarantined.size,
    records_expected: v.webhooks.expected.size + v.backfill.expected.size,
    records_found: webhooks.found + fixturesFound,
    writes_expected: commands.expected,
    provider_resources_found: commands.found,
    secrets_found_in_logs: leaked,
  };
  return { figures, details };
}
