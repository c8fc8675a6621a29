// The DuckDB tables and views (documented in docs/server.md). Points are long tables: a row per
// changed field value (see bench/server-storage.ts for the measurement behind the choice), split
// in two so the common scalar rows carry no NULL columns (NULLs cost the appender most of its time).

export const SCHEMA_VERSION = 1;

/** An event's id over `event_rows r LEFT JOIN streams s ON s.id = r.stream_id`. */
export const EVENT_ID_SQL = `coalesce(r.event_id, s.key || ':' || r.batch_seq || ':' || r.batch_index)`;

export const DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS meta (key VARCHAR, value VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS streams (
    id INTEGER, key VARCHAR, kind VARCHAR, opened TIMESTAMP, closed TIMESTAMP,
    resource JSON, headers JSON, remote VARCHAR, schema_hash VARCHAR, view VARCHAR, sdk VARCHAR,
    open JSON, last_seq BIGINT, stored BIGINT)`,
  `CREATE TABLE IF NOT EXISTS sets (
    stream_id INTEGER, set_index INTEGER, name VARCHAR, brief VARCHAR, schema_hash VARCHAR, descriptor JSON)`,
  `CREATE TABLE IF NOT EXISTS fields (
    stream_id INTEGER, set_index INTEGER, field INTEGER, name VARCHAR, instrument VARCHAR, unit VARCHAR,
    brief VARCHAR, value_type VARCHAR, bounds DOUBLE[])`,
  `CREATE TABLE IF NOT EXISTS slots (stream_id INTEGER, set_index INTEGER, slot INTEGER, attributes JSON)`,
  `CREATE TABLE IF NOT EXISTS instances (
    stream_id INTEGER, series INTEGER, set_index INTEGER, set_name VARCHAR, attributes JSON,
    attr_values JSON, overflow BOOLEAN)`,
  `CREATE TABLE IF NOT EXISTS batches (
    stream_id INTEGER, seq BIGINT, start_time TIMESTAMP, end_time TIMESTAMP, points INTEGER, stored_at TIMESTAMP)`,
  // Counters, upDownCounters and gauges: six columns, never NULL (the bulk of all rows).
  `CREATE TABLE IF NOT EXISTS points (
    time TIMESTAMP, stream_id INTEGER, series INTEGER, slot INTEGER, field SMALLINT, value DOUBLE)`,
  // Histograms (value = sum, count, buckets) and mmsc (value = sum, count, min, max).
  `CREATE TABLE IF NOT EXISTS distribution_points (
    time TIMESTAMP, stream_id INTEGER, series INTEGER, slot INTEGER, field SMALLINT,
    value DOUBLE, count DOUBLE, min DOUBLE, max DOUBLE, buckets DOUBLE[])`,
  `CREATE OR REPLACE VIEW all_points AS
    SELECT time, stream_id, series, slot, field, value, NULL::DOUBLE AS count, NULL::DOUBLE AS min, NULL::DOUBLE AS max, NULL::DOUBLE[] AS buckets FROM points
    UNION ALL
    SELECT time, stream_id, series, slot, field, value, count, min, max, buckets FROM distribution_points`,
  // Samples pushed in the Prometheus data model (remote write): one row per series with its full
  // label set (`__name__` included) as JSON, and one row per sample. A NULL value is a staleness
  // marker (Prometheus's special NaN), kept so PromQL ends the series there.
  `CREATE TABLE IF NOT EXISTS prom_series (id BIGINT, metric VARCHAR, labels JSON)`,
  `CREATE TABLE IF NOT EXISTS prom_samples (time TIMESTAMP, series BIGINT, value DOUBLE)`,
  `CREATE TABLE IF NOT EXISTS prom_metadata (metric VARCHAR, type VARCHAR, help VARCHAR, unit VARCHAR)`,
  // Events are stored in event_rows and read through the view `events` (below). No index on
  // event_id: every event is appended (an index made ingest ~30x slower). Ids a client chose are
  // checked against event_ids below; SDK batch events are deduplicated by their stream's batch
  // sequence and server-generated ids are unique by construction (docs/server.md). Stores made
  // before this had a table `events`: duckdb-events.ts upgrades it into event_rows on open.
  `CREATE TABLE IF NOT EXISTS event_rows (
    time TIMESTAMP, stream_id INTEGER, event_id VARCHAR, event_time TIMESTAMP,
    event_type VARCHAR, event_name VARCHAR, payload JSON)`,
  // Added after the first release: stores made before it get the columns here (the appender
  // relies on this column order).
  `ALTER TABLE event_rows ADD COLUMN IF NOT EXISTS severity_number SMALLINT`,
  `ALTER TABLE event_rows ADD COLUMN IF NOT EXISTS severity_text VARCHAR`,
  `ALTER TABLE event_rows ADD COLUMN IF NOT EXISTS attributes JSON`,
  // An SDK batch event's id is `<stream key>:<batch seq>:<index in the batch>`: it is stored as
  // those two numbers with event_id NULL, and the view puts the text together. A 45-byte string
  // per row was a fifth of what storing an SDK event cost (docs/server.md, "Event ids").
  `ALTER TABLE event_rows ADD COLUMN IF NOT EXISTS batch_seq BIGINT`,
  `ALTER TABLE event_rows ADD COLUMN IF NOT EXISTS batch_index INTEGER`,
  // The commit that stored a batch (1, 2, ... in commit order; NULL in stores made before it):
  // remote-write forwarding reads points commit by commit after a destination's cursor.
  `ALTER TABLE batches ADD COLUMN IF NOT EXISTS commit_no BIGINT`,
  // Per remote-write destination: the last commit the receiver confirmed (2xx), and the last one
  // sent in a request not confirmed yet (a resend after a crash repeats exactly that span).
  `CREATE TABLE IF NOT EXISTS forward_cursors (destination VARCHAR PRIMARY KEY, confirmed BIGINT, inflight BIGINT, updated TIMESTAMP)`,
  // Every event_id a client chose (NDJSON, WebSocket), so a resent one is stored once, across
  // restarts: `h` is its hash (event-id-index.ts, loaded into memory at start), `time` when it was
  // stored (retention deletes ids with their events). No index: see event-id-index.ts.
  `CREATE TABLE IF NOT EXISTS event_ids (h BIGINT, id VARCHAR, time TIMESTAMP)`,
  // Names instead of small integers: what people query.
  `CREATE OR REPLACE VIEW metric_points AS
    SELECT p.time, f.name AS metric, f.instrument, f.unit, i.set_name, i.attributes, s.attributes AS measure_attributes,
      p.value, p.count, p.min, p.max, p.buckets, f.bounds, p.stream_id, p.series, p.slot, st.resource
    FROM all_points p
    JOIN instances i ON i.stream_id = p.stream_id AND i.series = p.series
    JOIN fields f ON f.stream_id = p.stream_id AND f.set_index = i.set_index AND f.field = p.field
    JOIN streams st ON st.id = p.stream_id
    LEFT JOIN slots s ON s.stream_id = p.stream_id AND s.set_index = i.set_index AND s.slot = p.slot`,
  // One row per series (stream, series, measurement slot, field) with its total or current value,
  // right for each instrument: summing metric_points.value is right only for counters.
  `CREATE OR REPLACE VIEW series_totals AS
    WITH totals AS (
      SELECT stream_id, series, slot, field, count(*) AS points, min(time) AS first_time, max(time) AS last_time,
        sum(value) AS value_sum, arg_max(value, time) AS value_last, sum(count) AS count, min(min) AS min, max(max) AS max
      FROM all_points GROUP BY stream_id, series, slot, field),
    bucket_totals AS (
      SELECT stream_id, series, slot, field, list(n ORDER BY i) AS buckets FROM (
        SELECT stream_id, series, slot, field, i, sum(b) AS n FROM (
          SELECT stream_id, series, slot, field, unnest(buckets) AS b, generate_subscripts(buckets, 1) AS i
          FROM distribution_points WHERE buckets IS NOT NULL)
        GROUP BY stream_id, series, slot, field, i)
      GROUP BY stream_id, series, slot, field)
    SELECT f.name AS metric, f.instrument, f.unit, i.set_name, i.attributes, s.attributes AS measure_attributes,
      CASE WHEN f.instrument IN ('gauge', 'upDownCounter') THEN t.value_last ELSE t.value_sum END AS value,
      t.count, CASE WHEN t.count > 0 THEN t.value_sum / t.count END AS mean, t.min, t.max, b.buckets, f.bounds,
      t.points, t.first_time, t.last_time, t.stream_id, t.series, t.slot, st.resource
    FROM totals t
    JOIN instances i ON i.stream_id = t.stream_id AND i.series = t.series
    JOIN fields f ON f.stream_id = t.stream_id AND f.set_index = i.set_index AND f.field = t.field
    JOIN streams st ON st.id = t.stream_id
    LEFT JOIN slots s ON s.stream_id = t.stream_id AND s.set_index = i.set_index AND s.slot = t.slot
    LEFT JOIN bucket_totals b ON b.stream_id = t.stream_id AND b.series = t.series AND b.slot = t.slot AND b.field = t.field`,
  // What users query: every event with its event_id, in the columns and order the table had.
  `CREATE OR REPLACE VIEW events AS
    SELECT r.time, r.stream_id, ${EVENT_ID_SQL} AS event_id, r.event_time, r.event_type, r.event_name, r.payload,
      r.severity_number, r.severity_text, r.attributes
    FROM event_rows r LEFT JOIN streams s ON s.id = r.stream_id`,
];

/** Staging table for client-chosen ids whose hash is known: checked exactly against event_ids. */
export const STAGING_DDL = `CREATE TEMP TABLE IF NOT EXISTS event_ids_staging (h BIGINT, id VARCHAR)`;
