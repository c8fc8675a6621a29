// Events into DuckDB: appended, never through an index. Only ids a client chose
// (StoredEvent.clientId) are checked, with the in-memory EventIdIndex (event-id-index.ts) backed
// by the event_ids table, so the check holds for the whole history and across restarts. SDK batch
// events are exactly-once by their stream's batch sequence and server-generated ids are unique, so
// they skip it. Measured in bench/server-events.ts (docs/server.md).
import type { DuckDBConnection } from "@duckdb/node-api";
import { timestampMs } from "./duckdb-append.ts";
import { type EventIdIndex, idHash } from "./event-id-index.ts";
import type { StoredEvent } from "./store.ts";

/** Fills `index` from event_ids: one hash per stored client id. */
export async function loadEventIds(w: DuckDBConnection, index: EventIdIndex): Promise<void> {
  const result = await w.run("SELECT h FROM event_ids");
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const vec = chunk.getColumnVector(0);
    for (let i = 0; i < chunk.rowCount; i++) index.addHash(Number(vec.getItem(i)));
  }
}

/**
 * Stores made before event_rows kept their events in a table named `events` (now a view over
 * event_rows): that table becomes event_rows, after the upgrade below. Runs before the DDL.
 */
export async function upgradeEventsTable(w: DuckDBConnection): Promise<void> {
  const r = await w.runAndReadAll("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND table_name = 'events' AND table_type = 'BASE TABLE'");
  if (Number(r.getRows()[0]?.[0] ?? 0) === 0) return;
  await migrateEvents(w);
  await w.run("ALTER TABLE events RENAME TO event_rows");
}

/**
 * Stores made before event_ids had `event_id VARCHAR UNIQUE` on events. DuckDB cannot drop a
 * constraint, so the table is rebuilt once without it (same columns, same order) and its ids go
 * into event_ids, so a resend of an event stored before the upgrade is still recognised.
 */
async function migrateEvents(w: DuckDBConnection): Promise<boolean> {
  const r = await w.runAndReadAll("SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'events' AND constraint_type IN ('UNIQUE', 'PRIMARY KEY')");
  if (Number(r.getRows()[0]?.[0] ?? 0) === 0) return false;
  await w.run("BEGIN TRANSACTION");
  try {
    await w.run("CREATE TABLE events_rebuilt AS SELECT * FROM events");
    await w.run("CREATE TABLE IF NOT EXISTS event_ids (h BIGINT, id VARCHAR, time TIMESTAMP)");
    const ids = await w.runAndReadAll("SELECT event_id, epoch_ms(min(time)) FROM events WHERE event_id IS NOT NULL GROUP BY event_id");
    const a = await w.createAppender("event_ids");
    for (const [id, time] of ids.getRows()) {
      a.appendBigInt(BigInt(idHash(String(id))));
      a.appendVarchar(String(id));
      a.appendTimestamp(timestampMs(Number(time)));
      a.endRow();
    }
    a.closeSync();
    await w.run("DROP TABLE events");
    await w.run("ALTER TABLE events_rebuilt RENAME TO events");
    await w.run("COMMIT");
  } catch (e) {
    await w.run("ROLLBACK").catch(() => undefined);
    throw e;
  }
  return true;
}

/** Client ids this commit stores, to add to the index once (and only if) it has committed. */
export interface NewIds {
  readonly ids: string[];
  readonly hashes: number[];
}

/**
 * Which client-chosen ids of `events` are new: the first event of each id in this commit, if the
 * id is not stored yet. New ones are appended to event_ids in the same transaction.
 */
async function newClientIds(w: DuckDBConnection, events: readonly StoredEvent[], index: EventIdIndex, now: number): Promise<{ fresh: Set<string>; added: NewIds }> {
  const fresh = new Set<string>();
  const added: NewIds = { ids: [], hashes: [] };
  const hashOf = new Map<string, number>();
  const doubtful: string[] = [];
  for (const e of events) {
    if (!e.clientId || hashOf.has(e.eventId)) continue;
    const h = idHash(e.eventId);
    hashOf.set(e.eventId, h);
    if (!index.mayHave(h)) fresh.add(e.eventId);
    else if (!index.recentlyStored(e.eventId)) doubtful.push(e.eventId);
  }
  if (doubtful.length > 0) {
    // A known hash but not a recent id: ask the store (an old duplicate, or two ids sharing a hash).
    const s = await w.createAppender("event_ids_staging", "main", "temp");
    for (const id of doubtful) {
      s.appendBigInt(BigInt(hashOf.get(id) ?? 0));
      s.appendVarchar(id);
      s.endRow();
    }
    s.closeSync();
    const r = await w.runAndReadAll("SELECT s.id FROM temp.event_ids_staging s ANTI JOIN event_ids k ON k.h = s.h AND k.id = s.id");
    await w.run("DELETE FROM temp.event_ids_staging");
    for (const [id] of r.getRows()) fresh.add(String(id));
  }
  if (fresh.size > 0) {
    const a = await w.createAppender("event_ids");
    const t = timestampMs(now);
    for (const id of fresh) {
      const h = hashOf.get(id) ?? idHash(id);
      a.appendBigInt(BigInt(h));
      a.appendVarchar(id);
      a.appendTimestamp(t);
      a.endRow();
      added.ids.push(id);
      added.hashes.push(h);
    }
    a.closeSync();
  }
  return { fresh, added };
}

/** Appends the events that are not duplicates; counts them per stream into `stored`. */
export async function insertEvents(
  w: DuckDBConnection,
  events: readonly StoredEvent[],
  index: EventIdIndex,
  stored: Map<number, number>,
): Promise<{ kept: StoredEvent[]; added: NewIds }> {
  const { fresh, added } = await newClientIds(w, events, index, Date.now());
  const kept: StoredEvent[] = [];
  const a = await w.createAppender("event_rows");
  // One timestamp value per distinct ms, reused by the rows that follow with the same one (a
  // request's rows share their receive time; a batch's events often share a ms): fewer objects.
  let lastTime = NaN;
  let timeValue = timestampMs(0);
  let lastEventTime = NaN;
  let eventTimeValue = timeValue;
  let lastSeq = Number.NaN;
  let seqValue = 0n;
  let runStream = -1;
  let run = 0;
  for (const e of events) {
    if (e.clientId) {
      // The first event with a new id takes it; a second one in the same commit is a duplicate.
      if (!fresh.has(e.eventId)) continue;
      fresh.delete(e.eventId);
    }
    if (e.time !== lastTime) timeValue = timestampMs((lastTime = e.time));
    a.appendTimestamp(timeValue);
    a.appendInteger(e.stream);
    // An SDK batch event's id is its stream's key, batch seq and index: the view builds it.
    if (e.batchSeq !== undefined) a.appendNull();
    else a.appendVarchar(e.eventId);
    if (e.eventTime === null) a.appendNull();
    else {
      if (e.eventTime !== lastEventTime) eventTimeValue = timestampMs((lastEventTime = e.eventTime));
      a.appendTimestamp(eventTimeValue);
    }
    if (e.eventType === null) a.appendNull();
    else a.appendVarchar(e.eventType);
    if (e.eventName === null) a.appendNull();
    else a.appendVarchar(e.eventName);
    a.appendVarchar(e.payload);
    if (e.severityNumber === null) a.appendNull();
    else a.appendSmallInt(e.severityNumber);
    if (e.severityText === null) a.appendNull();
    else a.appendVarchar(e.severityText);
    if (e.attributes === null) a.appendNull();
    else a.appendVarchar(e.attributes);
    if (e.batchSeq === undefined) {
      a.appendNull();
      a.appendNull();
    } else {
      // A batch's events share its seq: one BigInt per run of them, not one per row.
      if (e.batchSeq !== lastSeq) seqValue = BigInt((lastSeq = e.batchSeq));
      a.appendBigInt(seqValue);
      a.appendInteger(e.batchIndex ?? 0);
    }
    a.endRow();
    kept.push(e);
    // Counted per run of one stream (a commit's events come in runs): a map update per run.
    if (e.stream !== runStream) {
      if (run > 0) stored.set(runStream, (stored.get(runStream) ?? 0) + run);
      runStream = e.stream;
      run = 0;
    }
    run++;
  }
  if (run > 0) stored.set(runStream, (stored.get(runStream) ?? 0) + run);
  a.closeSync();
  return { kept, added };
}
