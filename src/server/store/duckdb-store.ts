// The embedded default store: one DuckDB file, one writer connection (all commits go through it,
// one transaction each) and one reader connection for queries. The instance runs with external
// access disabled, so no SQL on it can read or write files other than the database itself.
import { DOUBLE, DuckDBInstance, LIST, listValue, type DuckDBConnection, type DuckDBValue } from "@duckdb/node-api";
import type { WireSetDescriptor } from "../../wire/batch.ts";
import { setState, type SeriesState } from "../stream-state.ts";
import { appendDistributionPoints, appendScalarPoints, countScalar, timestampMs } from "./duckdb-append.ts";
import { cumulativeRows, readOnlyQuery, seriesRows } from "./duckdb-read.ts";
import { appendSamples, loadPromSeries, readDoubleColumns, readRows } from "./duckdb-samples.ts";
import { DDL, SCHEMA_VERSION, STAGING_DDL } from "./duckdb-schema.ts";
import type { CommitResult, CommitUnit, CumulativeRow, LoadedStream, PromMetadata, PromSeries, QueryResult, SampleUnit, SeriesQuery, SeriesRow, Store } from "./store.ts";

export interface DuckDBStoreOptions {
  readonly path: string;
  /** Open the file read-only (the CLI's query fallback when no server holds it). */
  readonly readOnly?: boolean;
}

const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));
const int = (v: unknown): number => Number(v ?? 0);

export class DuckDBStore implements Store {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection | undefined,
    private readonly reader: DuckDBConnection,
  ) {}

  static async open(options: DuckDBStoreOptions): Promise<DuckDBStore> {
    const config: Record<string, string> = { enable_external_access: "false" };
    if (options.readOnly) config.access_mode = "READ_ONLY";
    const instance = await DuckDBInstance.create(options.path, config);
    let writer: DuckDBConnection | undefined;
    if (!options.readOnly) {
      writer = await instance.connect();
      for (const ddl of DDL) await writer.run(ddl);
      await writer.run(STAGING_DDL);
      const v = await writer.runAndReadAll("SELECT value FROM meta WHERE key = 'schema_version'");
      if (v.getRows().length === 0) await writer.run(`INSERT INTO meta VALUES ('schema_version', '${SCHEMA_VERSION}')`);
    }
    const reader = await instance.connect();
    // Nothing may change the configuration from here on (external access stays off).
    await reader.run("SET lock_configuration = true");
    return new DuckDBStore(instance, writer, reader);
  }

  private w(): DuckDBConnection {
    if (!this.writer) throw new Error("store opened read-only");
    return this.writer;
  }

  async maxStreamId(): Promise<number> {
    const r = await this.reader.runAndReadAll("SELECT coalesce(max(id), 0) FROM streams");
    return int(r.getRows()[0][0]);
  }

  private async loadWhere(where: string, params: DuckDBValue[]): Promise<LoadedStream[]> {
    const r = await this.reader.runAndReadAll(`SELECT id, key, kind, open, last_seq, stored FROM streams WHERE ${where} ORDER BY id`, params);
    const out: LoadedStream[] = [];
    for (const [id, key, kind, open, lastSeq, stored] of r.getRows()) {
      const sid = int(id);
      const sets = (await this.reader.runAndReadAll("SELECT set_index, descriptor FROM sets WHERE stream_id = $1 ORDER BY set_index", [sid]))
        .getRows()
        .map(([i, d]) => setState(int(i), JSON.parse(String(d)) as WireSetDescriptor));
      const series: SeriesState[] = (await this.reader.runAndReadAll("SELECT series, set_index, attr_values FROM instances WHERE stream_id = $1", [sid]))
        .getRows()
        .map(([s, set, a]) => ({ id: int(s), set: int(set), attrs: a === null ? null : JSON.parse(String(a)) }));
      out.push({
        id: sid,
        key: String(key),
        kind: kind === "events" ? "events" : "batch",
        ...(open === null ? {} : { open: JSON.parse(String(open)) }),
        sets,
        series,
        lastSeq: int(lastSeq),
        stored: int(stored),
      });
    }
    return out;
  }

  async loadStream(key: string): Promise<LoadedStream | undefined> {
    return (await this.loadWhere("key = $1", [key]))[0];
  }

  loadAllBatchStreams(): Promise<LoadedStream[]> {
    return this.loadWhere("kind = 'batch'", []);
  }

  async commit(u: CommitUnit): Promise<CommitResult> {
    const w = this.w();
    const eventsStored = new Map<number, number>();
    await w.run("BEGIN TRANSACTION");
    try {
      for (const s of u.streams) {
        await w.run("INSERT INTO streams VALUES ($1, $2, $3, $4, NULL, $5, $6, $7, $8, $9, $10, $11, 0, 0)", [
          s.id, s.key, s.kind, timestampMs(s.opened), json(s.open?.resource), json(s.headers), s.remote ?? null,
          s.open?.schemaHash ?? null, s.open?.view ?? null, s.open ? `${s.open.sdk.name}/${s.open.sdk.version}` : null, json(s.open),
        ]);
      }
      if (u.sets.length > 0) await this.appendSets(w, u);
      if (u.series.length > 0) {
        const a = await w.createAppender("instances");
        for (const { stream, series, setName, attributes } of u.series) {
          a.appendInteger(stream); a.appendInteger(series.id); a.appendInteger(series.set); a.appendVarchar(setName);
          if (attributes) a.appendVarchar(JSON.stringify(attributes)); else a.appendNull();
          if (series.attrs) a.appendVarchar(JSON.stringify(series.attrs)); else a.appendNull();
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
        for (const b of u.batches) {
          a.appendInteger(b.stream); a.appendValue(BigInt(b.seq)); a.appendTimestamp(timestampMs(b.start)); a.appendTimestamp(timestampMs(b.end));
          a.appendInteger(b.points); a.appendTimestamp(now); a.endRow();
        }
        a.closeSync();
      }
      if (u.events.length > 0) await this.insertEvents(w, u, eventsStored);
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
      await w.run("COMMIT");
    } catch (e) {
      await w.run("ROLLBACK").catch(() => undefined);
      throw e;
    }
    return { eventsStored };
  }

  private async appendSets(w: DuckDBConnection, u: CommitUnit): Promise<void> {
    const sets = await w.createAppender("sets");
    const fields = await w.createAppender("fields");
    const slots = await w.createAppender("slots");
    for (const { stream, set } of u.sets) {
      const d = set.descriptor;
      sets.appendInteger(stream); sets.appendInteger(set.index); sets.appendVarchar(d.name); sets.appendVarchar(d.brief);
      sets.appendVarchar(d.schemaHash); sets.appendVarchar(JSON.stringify(d)); sets.endRow();
      d.fields.forEach((f, i) => {
        fields.appendInteger(stream); fields.appendInteger(set.index); fields.appendInteger(i); fields.appendVarchar(f.name);
        fields.appendVarchar(f.instrument); fields.appendVarchar(f.unit); fields.appendVarchar(f.brief); fields.appendVarchar(f.valueType);
        if (f.bounds) fields.appendList(listValue([...f.bounds]), LIST(DOUBLE)); else fields.appendNull();
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
          slots.appendInteger(stream); slots.appendInteger(set.index); slots.appendInteger(slot); slots.appendVarchar(JSON.stringify(attrs)); slots.endRow();
        }
      }
    }
    sets.closeSync();
    fields.closeSync();
    slots.closeSync();
  }

  private async insertEvents(w: DuckDBConnection, u: CommitUnit, stored: Map<number, number>): Promise<void> {
    const a = await w.createAppender("events_staging", "main", "temp");
    for (const e of u.events) {
      a.appendTimestamp(timestampMs(e.time)); a.appendInteger(e.stream);
      if (e.eventId === null) a.appendNull(); else a.appendVarchar(e.eventId);
      if (e.eventTime === null) a.appendNull(); else a.appendTimestamp(timestampMs(e.eventTime));
      if (e.eventType === null) a.appendNull(); else a.appendVarchar(e.eventType);
      if (e.eventName === null) a.appendNull(); else a.appendVarchar(e.eventName);
      a.appendVarchar(e.payload);
      a.endRow();
    }
    a.closeSync();
    // event_id is UNIQUE: an id already stored (a client's retry) is skipped, not an error.
    const r = await w.runAndReadAll("INSERT OR IGNORE INTO events SELECT * FROM temp.events_staging RETURNING stream_id");
    for (const [s] of r.getRows()) stored.set(int(s), (stored.get(int(s)) ?? 0) + 1);
    await w.run("DELETE FROM temp.events_staging");
  }

  query(sql: string, options: { maxRows?: number; timeoutMs?: number } = {}): Promise<QueryResult> {
    return readOnlyQuery(this.reader, sql, options.maxRows ?? 10_000, options.timeoutMs ?? 30_000);
  }

  cumulative(): Promise<CumulativeRow[]> {
    return cumulativeRows(this.reader);
  }

  series(q: SeriesQuery): Promise<SeriesRow[]> {
    return seriesRows(this.reader, q);
  }

  loadPromSeries(): Promise<{ series: PromSeries[]; metadata: PromMetadata[] }> {
    return loadPromSeries(this.reader);
  }

  appendSamples(unit: SampleUnit): Promise<void> {
    return appendSamples(this.w(), unit);
  }

  readRows(sql: string, params: Record<string, string | number>, timeoutMs: number): Promise<unknown[][]> {
    return readRows(this.reader, sql, params, timeoutMs);
  }

  readDoubleColumns(sql: string, params: Record<string, string | number>, timeoutMs: number): Promise<Float64Array[]> {
    return readDoubleColumns(this.reader, sql, params, timeoutMs);
  }

  async deleteOlderThan(before: number): Promise<number> {
    const w = this.w();
    const t = timestampMs(before);
    let n = 0;
    await w.run("BEGIN TRANSACTION");
    try {
      n += (await w.run("DELETE FROM points WHERE time < $1", [t])).rowsChanged;
      n += (await w.run("DELETE FROM distribution_points WHERE time < $1", [t])).rowsChanged;
      n += (await w.run("DELETE FROM events WHERE time < $1", [t])).rowsChanged;
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
    if (this.writer) {
      await this.writer.run("CHECKPOINT").catch(() => undefined);
      this.writer.closeSync();
    }
    this.reader.closeSync();
    this.instance.closeSync();
  }
}
