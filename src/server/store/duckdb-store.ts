// The embedded default store: one DuckDB file; one writer connection (all commits go through it,
// one transaction each); one loader connection for ingest's reads (stream loads), used one call at
// a time; and a pool of connections for user queries, one per running query (query-pool.ts), so
// ingest never shares a connection with a user query. The instance runs with external access
// disabled, so no SQL on it can read or write files other than the database itself, and with a
// memory limit and a temp-directory cap so a query spills or fails instead of taking the host down.
import { DOUBLE, DuckDBInstance, LIST, listValue, type DuckDBConnection, type DuckDBValue } from "@duckdb/node-api";
import type { WireSetDescriptor } from "../../wire/batch.ts";
import type { PointRows } from "../ingest/point-rows.ts";
import { setState, type SeriesState, type SetState } from "../ingest/stream-state.ts";
import { appendDistributionPoints, appendScalarPoints, countScalar, timestampMs } from "./duckdb-append.ts";
import { insertEvents, loadEventIds, upgradeEventsTable, type NewIds } from "./duckdb-events.ts";
import { EventIdIndex } from "./event-id-index.ts";
import { runUserQuery } from "./duckdb-query.ts";
import { cumulativeAt, lastCommitNo, nextSpan, readCursor, spanPoints, writeCursor } from "./duckdb-forward.ts";
import { cumulativeRows, seriesRows } from "./duckdb-read.ts";
import { appendSamples, loadPromSeries, readDoubleColumns, readRows } from "./duckdb-samples.ts";
import { DDL, SCHEMA_VERSION, STAGING_DDL } from "./duckdb-schema.ts";
import { serverError } from "../errors.ts";
import { QueryPool } from "./query-pool.ts";
import { storeIdentity } from "./store-identity.ts";
import { DEFAULT_STORE_LIMITS, type StoreLimits } from "./store-limits.ts";
import {
  StoreError,
  type CommitResult,
  type CommitUnit,
  type CumulativeRow,
  type ForwardCursor,
  type ForwardSpan,
  type LoadedStream,
  type PromMetadata,
  type PromSeries,
  type QueryResult,
  type SampleUnit,
  type SeriesQuery,
  type SeriesRow,
  type Store,
  type StoredEvent,
} from "./store.ts";

export interface DuckDBStoreOptions {
  readonly path: string;
  /** Open the file read-only (the CLI's query fallback when no server holds it). */
  readonly readOnly?: boolean;
  readonly limits?: Partial<StoreLimits>;
}

function push<T>(map: Map<number, T[]>, key: number, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));
const int = (v: unknown): number => Number(v ?? 0);

export class DuckDBStore implements Store {
  private readonly queries: QueryPool;
  /** Ingest's reads, chained: a second load waits here, not on a libuv thread blocked in DuckDB. */
  private loads: Promise<unknown> = Promise.resolve();
  /** The file's identity (device and inode, store-identity.ts) when it was opened; undefined in memory. */
  private readonly identity: string | undefined;
  /** Set once the file is found deleted or replaced: every later commit fails with it. */
  private lost: StoreError | undefined;
  /** Number of the newest commit that stored batches. */
  private committed = 0;
  /** Remote-write forwarding's connection (its reads and cursor writes never wait on ingest's). */
  private forwarding: Promise<DuckDBConnection> | undefined;
  private forwardReads: Promise<unknown> = Promise.resolve();

  private readonly instance: DuckDBInstance;
  private readonly writer: DuckDBConnection | undefined;
  private readonly loader: DuckDBConnection;
  private readonly limits: StoreLimits;
  private readonly path: string;

  /** Client-chosen event ids stored, for the duplicate check (event-id-index.ts). */
  private readonly eventIds: EventIdIndex;

  private constructor(
    instance: DuckDBInstance,
    writer: DuckDBConnection | undefined,
    loader: DuckDBConnection,
    limits: StoreLimits,
    path: string,
    eventIds: EventIdIndex,
  ) {
    this.eventIds = eventIds;
    this.instance = instance;
    this.writer = writer;
    this.loader = loader;
    this.limits = limits;
    this.path = path;
    this.queries = new QueryPool(instance, limits.maxQueries, limits.queryTimeoutMs);
    this.identity = path === ":memory:" ? undefined : storeIdentity(path);
  }

  /**
   * A file deleted (or replaced) under the running server takes everything written from then on
   * with it at the next restart: DuckDB keeps writing to the unlinked inode. So before each commit
   * the path must still name the file that was opened; otherwise nothing more is acknowledged.
   */
  private checkFile(): void {
    if (this.lost) throw this.lost;
    if (this.identity === undefined) return;
    const now = storeIdentity(this.path);
    if (now === this.identity) return;
    this.lost = new StoreError(
      serverError(
        "E_STORE",
        `the store file ${this.path} was ${now === undefined ? "deleted" : "replaced by another file"} while the server ran; nothing more is acknowledged, because it would be lost at the next start. Restore the file or restart the server`,
      ),
    );
    throw this.lost;
  }

  static async open(options: DuckDBStoreOptions): Promise<DuckDBStore> {
    const limits: StoreLimits = { ...DEFAULT_STORE_LIMITS, ...options.limits };
    const config: Record<string, string> = {
      enable_external_access: "false",
      memory_limit: `${limits.memoryLimit}B`,
      max_temp_directory_size: `${limits.maxTempDirectorySize}B`,
      checkpoint_threshold: `${limits.checkpointThreshold}B`,
    };
    if (options.readOnly) config.access_mode = "READ_ONLY";
    const instance = await DuckDBInstance.create(options.path, config);
    const eventIds = new EventIdIndex();
    let writer: DuckDBConnection | undefined;
    if (!options.readOnly) {
      writer = await instance.connect();
      await upgradeEventsTable(writer);
      for (const ddl of DDL) await writer.run(ddl);
      await writer.run(STAGING_DDL);
      await loadEventIds(writer, eventIds);
      const v = await writer.runAndReadAll("SELECT value FROM meta WHERE key = 'schema_version'");
      if (v.getRows().length === 0) await writer.run(`INSERT INTO meta VALUES ('schema_version', '${SCHEMA_VERSION}')`);
    }
    const loader = await instance.connect();
    const committed = await lastCommitNo(loader);
    // Nothing may change the configuration from here on (external access stays off).
    await loader.run("SET lock_configuration = true");
    const store = new DuckDBStore(instance, writer, loader, limits, options.path, eventIds);
    store.committed = committed;
    return store;
  }

  /** Runs a forwarding read or write on the forwarding connection, one at a time. */
  private forward<T>(task: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    this.forwarding ??= this.instance.connect();
    const conn = this.forwarding;
    const next = this.forwardReads.then(async () => task(await conn));
    this.forwardReads = next.catch(() => undefined);
    return next;
  }

  lastCommit(): number {
    return this.committed;
  }

  forwardCursor(destination: string): Promise<ForwardCursor> {
    return this.forward((conn) => readCursor(conn, destination, this.committed));
  }

  saveForwardCursor(destination: string, cursor: ForwardCursor): Promise<void> {
    return this.forward((conn) => writeCursor(conn, destination, cursor));
  }

  forwardSpan(after: number, upTo: number, maxPoints: number): Promise<ForwardSpan> {
    return this.forward((conn) => nextSpan(conn, after, upTo, maxPoints));
  }

  forwardPoints(after: number, to: number): Promise<PointRows> {
    return this.forward((conn) => spanPoints(conn, after, to));
  }

  cumulativeAt(upTo: number): Promise<CumulativeRow[]> {
    return this.forward((conn) => cumulativeAt(conn, upTo));
  }

  /** Runs one of ingest's reads on the loader connection, after the ones before it. */
  private load<T>(read: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const next = this.loads.then(() => read(this.loader));
    this.loads = next.catch(() => undefined);
    return next;
  }

  private w(): DuckDBConnection {
    if (!this.writer) throw new Error("store opened read-only");
    return this.writer;
  }

  maxStreamId(): Promise<number> {
    return this.load(async (conn) => int((await conn.runAndReadAll("SELECT coalesce(max(id), 0) FROM streams")).getRows()[0][0]));
  }

  private loadWhere(where: string, params: DuckDBValue[]): Promise<LoadedStream[]> {
    return this.load((conn) => this.readStreams(conn, where, params));
  }

  /**
   * Streams matching `where` with their declarations, in three queries whatever their number
   * (one query per stream made a restart with 10,000 streams take most of a minute).
   */
  private async readStreams(conn: DuckDBConnection, where: string, params: DuckDBValue[]): Promise<LoadedStream[]> {
    const r = await conn.runAndReadAll(`SELECT id, key, kind, open, last_seq, stored, closed IS NOT NULL FROM streams WHERE ${where} ORDER BY id`, params);
    const rows = r.getRows();
    if (rows.length === 0) return [];
    const sets = new Map<number, SetState[]>();
    const series = new Map<number, SeriesState[]>();
    const ids = `SELECT id FROM streams WHERE ${where}`;
    for (const [sid, i, d] of (
      await conn.runAndReadAll(`SELECT stream_id, set_index, descriptor FROM sets WHERE stream_id IN (${ids}) ORDER BY stream_id, set_index`, params)
    ).getRows()) {
      push(sets, int(sid), setState(int(i), JSON.parse(String(d)) as WireSetDescriptor));
    }
    for (const [sid, s, set, a] of (
      await conn.runAndReadAll(`SELECT stream_id, series, set_index, attr_values FROM instances WHERE stream_id IN (${ids})`, params)
    ).getRows()) {
      push(series, int(sid), { id: int(s), set: int(set), attrs: a === null ? null : JSON.parse(String(a)) });
    }
    return rows.map(([id, key, kind, open, lastSeq, stored, closed]) => ({
      id: int(id),
      key: String(key),
      kind: kind === "events" ? "events" : "batch",
      ...(open === null ? {} : { open: JSON.parse(String(open)) }),
      sets: sets.get(int(id)) ?? [],
      series: series.get(int(id)) ?? [],
      lastSeq: int(lastSeq),
      stored: int(stored),
      closed: closed === true,
    }));
  }

  async loadStream(key: string): Promise<LoadedStream | undefined> {
    return (await this.loadWhere("key = $1", [key]))[0];
  }

  loadAllBatchStreams(): Promise<LoadedStream[]> {
    return this.loadWhere("kind = 'batch'", []);
  }

  async commit(u: CommitUnit): Promise<CommitResult> {
    const w = this.w();
    if (this.lost) throw this.lost;
    const eventsStored = new Map<number, number>();
    let commitNo = 0;
    let events: StoredEvent[] = [];
    let added: NewIds | undefined;
    await w.run("BEGIN TRANSACTION");
    try {
      for (const s of u.streams) {
        await w.run("INSERT INTO streams VALUES ($1, $2, $3, $4, NULL, $5, $6, $7, $8, $9, $10, $11, 0, 0)", [
          s.id,
          s.key,
          s.kind,
          timestampMs(s.opened),
          json(s.open?.resource),
          json(s.headers),
          s.remote ?? null,
          s.open?.schemaHash ?? null,
          s.open?.view ?? null,
          s.open ? `${s.open.sdk.name}/${s.open.sdk.version}` : null,
          json(s.open),
        ]);
      }
      if (u.sets.length > 0) await this.appendSets(w, u);
      if (u.series.length > 0) {
        const a = await w.createAppender("instances");
        for (const { stream, series, setName, attributes } of u.series) {
          a.appendInteger(stream);
          a.appendInteger(series.id);
          a.appendInteger(series.set);
          a.appendVarchar(setName);
          if (attributes) a.appendVarchar(JSON.stringify(attributes));
          else a.appendNull();
          if (series.attrs) a.appendVarchar(JSON.stringify(series.attrs));
          else a.appendNull();
          a.appendBoolean(series.attrs === null);
          a.endRow();
        }
        a.closeSync();
      }
      if (u.points.length > 0) {
        const compound = u.points.length - countScalar(u.points);
        if (compound < u.points.length) {
          const a = await w.createAppender("points");
          appendScalarPoints(a, u.points);
          a.closeSync();
        }
        if (compound > 0) {
          const a = await w.createAppender("distribution_points");
          appendDistributionPoints(a, u.points);
          a.closeSync();
        }
      }
      if (u.batches.length > 0) {
        const a = await w.createAppender("batches");
        const now = timestampMs(Date.now());
        commitNo = this.committed + 1;
        for (const b of u.batches) {
          a.appendInteger(b.stream);
          a.appendValue(BigInt(b.seq));
          a.appendTimestamp(timestampMs(b.start));
          a.appendTimestamp(timestampMs(b.end));
          a.appendInteger(b.points);
          a.appendTimestamp(now);
          a.appendValue(BigInt(commitNo));
          a.endRow();
        }
        a.closeSync();
      }
      if (u.events.length > 0) ({ kept: events, added } = await insertEvents(w, u.events, this.eventIds, eventsStored));
      const updates: string[] = [];
      const ids = new Set([...u.progress.keys(), ...eventsStored.keys()]);
      for (const id of ids) {
        const p = u.progress.get(id);
        updates.push(`(${id | 0}, ${Math.trunc(p?.lastSeq ?? 0)}, ${Math.trunc((p?.points ?? 0) + (eventsStored.get(id) ?? 0))})`);
      }
      if (updates.length > 0) {
        await w.run(`UPDATE streams SET last_seq = greatest(streams.last_seq, v.seq), stored = streams.stored + v.added
          FROM (VALUES ${updates.join(", ")}) v(id, seq, added) WHERE streams.id = v.id`);
      }
      for (const c of u.closed) {
        if (c.time === null) await w.run("UPDATE streams SET closed = NULL WHERE id = $1", [c.stream]);
        else await w.run("UPDATE streams SET closed = $1 WHERE id = $2", [timestampMs(c.time), c.stream]);
      }
      this.checkFile();
      await w.run("COMMIT");
    } catch (e) {
      await w.run("ROLLBACK").catch(() => undefined);
      throw e;
    }
    if (commitNo > 0) this.committed = commitNo;
    // Only ids whose commit succeeded count as stored.
    if (added) for (let i = 0; i < added.ids.length; i++) this.eventIds.add(added.ids[i], added.hashes[i]);
    return { eventsStored, events };
  }

  private async appendSets(w: DuckDBConnection, u: CommitUnit): Promise<void> {
    const sets = await w.createAppender("sets");
    const fields = await w.createAppender("fields");
    const slots = await w.createAppender("slots");
    for (const { stream, set } of u.sets) {
      const d = set.descriptor;
      sets.appendInteger(stream);
      sets.appendInteger(set.index);
      sets.appendVarchar(d.name);
      sets.appendVarchar(d.brief);
      sets.appendVarchar(d.schemaHash);
      sets.appendVarchar(JSON.stringify(d));
      sets.endRow();
      d.fields.forEach((f, i) => {
        fields.appendInteger(stream);
        fields.appendInteger(set.index);
        fields.appendInteger(i);
        fields.appendVarchar(f.name);
        fields.appendVarchar(f.instrument);
        fields.appendVarchar(f.unit);
        fields.appendVarchar(f.brief);
        fields.appendVarchar(f.valueType);
        if (f.bounds) fields.appendList(listValue([...f.bounds]), LIST(DOUBLE));
        else fields.appendNull();
        fields.endRow();
      });
      if (d.measures.length > 0) {
        for (let slot = 0; slot < set.slots; slot++) {
          const attrs: Record<string, string> = {};
          let rest = slot;
          for (let m = d.measures.length - 1; m >= 0; m--) {
            const n = d.measures[m].values.length;
            attrs[d.measures[m].name] = d.measures[m].values[rest % n];
            rest = Math.floor(rest / n);
          }
          slots.appendInteger(stream);
          slots.appendInteger(set.index);
          slots.appendInteger(slot);
          slots.appendVarchar(JSON.stringify(attrs));
          slots.endRow();
        }
      }
    }
    sets.closeSync();
    fields.closeSync();
    slots.closeSync();
  }

  query(sql: string, options: { maxRows?: number } = {}): Promise<QueryResult> {
    const limits = { maxRows: options.maxRows ?? 10_000, maxBytes: this.limits.maxResultBytes };
    return this.queries.run((conn) => runUserQuery(conn, sql, limits));
  }

  cumulative(): Promise<CumulativeRow[]> {
    return this.load(cumulativeRows);
  }

  series(q: SeriesQuery): Promise<SeriesRow[]> {
    return this.queries.run((conn) => seriesRows(conn, q));
  }

  interruptQueries(): Promise<unknown> {
    return this.queries.interruptAll();
  }

  loadPromSeries(): Promise<{ series: PromSeries[]; metadata: PromMetadata[] }> {
    return this.load((conn) => loadPromSeries(conn));
  }

  appendSamples(unit: SampleUnit): Promise<void> {
    return appendSamples(this.w(), unit);
  }

  readRows(sql: string, params: Record<string, string | number>, timeoutMs: number): Promise<unknown[][]> {
    return this.queries.run((conn) => readRows(conn, sql, params, timeoutMs));
  }

  readDoubleColumns(sql: string, params: Record<string, string | number>, timeoutMs: number): Promise<Float64Array[]> {
    return this.queries.run((conn) => readDoubleColumns(conn, sql, params, timeoutMs));
  }

  async deleteOlderThan(before: number): Promise<number> {
    const w = this.w();
    const t = timestampMs(before);
    let n = 0;
    await w.run("BEGIN TRANSACTION");
    try {
      n += (await w.run("DELETE FROM points WHERE time < $1", [t])).rowsChanged;
      n += (await w.run("DELETE FROM distribution_points WHERE time < $1", [t])).rowsChanged;
      n += (await w.run("DELETE FROM event_rows WHERE time < $1", [t])).rowsChanged;
      await w.run("DELETE FROM event_ids WHERE time < $1", [t]);
      n += (await w.run("DELETE FROM prom_samples WHERE time < $1", [t])).rowsChanged;
      await w.run("DELETE FROM batches WHERE end_time < $1", [t]);
      await w.run("COMMIT");
    } catch (e) {
      await w.run("ROLLBACK").catch(() => undefined);
      throw e;
    }
    return n;
  }

  async close(): Promise<void> {
    await this.queries.close();
    await this.loads;
    if (this.forwarding) {
      await this.forwardReads;
      (await this.forwarding).closeSync();
    }
    if (this.writer) {
      await this.writer.run("CHECKPOINT").catch(() => undefined);
      this.writer.closeSync();
    }
    this.loader.closeSync();
    this.instance.closeSync();
  }
}
