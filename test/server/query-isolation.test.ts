// User queries against ingest and against each other (issue 9, D2, D3, D5; issue 12 for PromQL),
// on the real server process: runaway queries never hold up a batch, an event, a remote write or a
// stream load; each query has its own deadline; past the concurrency limit a query is refused; no
// result can take the server down.
import { afterEach, describe, expect, it } from "vitest";
import { encodeWriteRequest, type RwSample } from "../../src/server/remote-write/remote-write-proto.ts";
import { batch, post } from "./helpers/batches.ts";
import { query, serverPool, sql, tempStore, until } from "./helpers/server-process.ts";

const RUNAWAY = "SELECT count(*) FROM range(1000000000000)";
const servers = serverPool();
const start = servers.startOn;
afterEach(servers.cleanup);

describe("ingest while 4 runaway queries run", () => {
  it("acks and stores every batch, event and stream load; a 5th query gets 503 with Retry-After", async () => {
    const store = tempStore("isolation");
    // A stream stored before the restart: its next batch makes the server load it from the store.
    const first = await start(store, []);
    expect((await post(first.url, batch("old", 1, 1))).status).toBe(200);
    expect(await first.stop()).toBe(0);
    const s = await start(store, ["--max-queries", "4", "--query-timeout", "10m", "--event-fields", "optional"]);

    const runaways = Array.from({ length: 4 }, () => sql(s.url, RUNAWAY));
    const refused = await until(async () => {
      const r = await sql(s.url, "SELECT 1");
      return r.status === 503 ? r : undefined;
    }, "the 4 runaway queries to occupy every query slot");
    expect(refused.body.error.code).toBe("E_TOO_MANY_QUERIES");
    expect(refused.headers.get("retry-after")).toBe("1");

    // The stream loaded from the store, and three new ones, batch after batch.
    const acks = await Promise.all(
      ["old", "a", "b", "c"].map(async (stream) => {
        const seqs: number[] = [];
        for (let seq = stream === "old" ? 2 : 1; seq <= 20; seq++) {
          const r = await post(s.url, batch(stream, seq, 1));
          expect(r.status, JSON.stringify(r.body)).toBe(200);
          seqs.push(r.body.seq);
        }
        return seqs;
      }),
    );
    expect(acks[0]).toEqual(Array.from({ length: 19 }, (_, i) => i + 2));
    for (const seqs of acks.slice(1)) expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({ event_id: `e${i}`, event_type: "probe", n: i })).join("\n");
    const events = await fetch(`${s.url}/v1/events`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: lines });
    expect(events.status).toBe(200);
    expect(((await events.json()) as { stored: number }).stored).toBe(50);

    // The queries were still running all along (else this proved nothing).
    expect((await sql(s.url, "SELECT 1")).status).toBe(503);
    // SIGTERM interrupts them and stores everything; the restarted server has it all.
    expect(await s.stop("SIGTERM", 30_000)).toBe(0);
    for (const r of await Promise.all(runaways)) expect(r).toMatchObject({ status: 503, body: { error: { code: "E_SHUTTING_DOWN" } } });
    const after = await start(store, []);
    expect(await query(after.url, "SELECT count(*) FROM batches")).toEqual([[80]]);
    expect(await query(after.url, "SELECT stream_id, max(seq) FROM batches GROUP BY ALL ORDER BY 1")).toEqual([
      [1, 20],
      [2, 20],
      [3, 20],
      [4, 20],
    ]);
    // 2 counter points per batch (slot ok and error) of 1 item each.
    expect(await query(after.url, "SELECT sum(value) FROM metric_points WHERE metric = 'job.items'")).toEqual([[160]]);
    expect(await query(after.url, "SELECT count(DISTINCT event_id) FROM events")).toEqual([[50]]);
  }, 180_000);
});

describe("each query has its own deadline", () => {
  it("a query started later is cut at its own deadline, and queries that finish are never interrupted by another's", async () => {
    const s = await start(tempStore("deadlines"), ["--max-queries", "4", "--query-timeout", "3s"]);
    const timed = (delay: number) =>
      new Promise((r) => setTimeout(r, delay)).then(async () => {
        const t0 = Date.now();
        const r = await sql(s.url, RUNAWAY);
        return { ...r, elapsed: Date.now() - t0 };
      });
    const runaways = [timed(0), timed(1000), timed(2000)];
    let done = false;
    void Promise.all(runaways).then(() => (done = true));
    let finished = 0;
    while (!done) {
      // About a tenth of a second of DuckDB work each, so some are running whenever a deadline fires.
      const r = await sql(s.url, "SELECT count(*) FROM range(30000000)");
      expect(r.body).toMatchObject({ rows: [[30000000]] });
      finished++;
    }
    expect(finished).toBeGreaterThan(0);
    for (const r of await Promise.all(runaways)) {
      expect(r.status).toBe(408);
      expect(r.body.error.code).toBe("E_QUERY_TIMEOUT");
      // Measured from before the request was sent, so never shorter than the server's own clock.
      expect(r.elapsed).toBeGreaterThanOrEqual(3000);
    }
  }, 120_000);
});

describe("results and memory are bounded", () => {
  it("a row bigger than the result limit is an error, and the server keeps serving", async () => {
    // DuckDB builds the whole 4.5 GB chunk before the server sees its first row: give it the time.
    const s = await start(tempStore("huge-row"), ["--query-timeout", "10m"]);
    const r = await sql(s.url, "SELECT repeat('x', 100000000) FROM range(45)");
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe("E_TOO_BIG");
    expect(r.body.error.message).toMatch(/--max-result-bytes/);
    expect((await post(s.url, batch("after", 1, 3))).status).toBe(200);
    expect(await query(s.url, "SELECT sum(value) FROM metric_points WHERE metric = 'job.items'")).toEqual([[6]]);
  }, 120_000);

  it("a result past --max-result-bytes is truncated, and says by what", async () => {
    const s = await start(tempStore("truncate"), ["--max-result-bytes", "1MiB"]);
    const r = await sql(s.url, "SELECT repeat('x', 1000) AS s FROM range(5000)");
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ truncated: true, truncatedBy: "max_result_bytes" });
    expect(JSON.stringify(r.body.rows).length).toBeLessThanOrEqual(1024 * 1024);
    expect(r.body.rows.length).toBeGreaterThan(1000);
    const rows = await sql(s.url, "SELECT * FROM range(20)", { max_rows: 5 });
    expect(rows.body).toMatchObject({ truncated: true, truncatedBy: "max_rows" });
    expect(rows.body.rows).toHaveLength(5);
  }, 60_000);

  it("a query over --memory-limit fails with E_QUERY_MEMORY, and the next one works", async () => {
    const s = await start(tempStore("memory"), ["--memory-limit", "64MiB", "--max-temp-size", "0"]);
    const r = await sql(s.url, "SELECT count(*) FROM (SELECT DISTINCT i::VARCHAR || 'abc' FROM range(20000000) t(i))");
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe("E_QUERY_MEMORY");
    expect(r.body.error.message).toMatch(/--memory-limit/);
    expect(await query(s.url, "SELECT 41 + 1")).toEqual([[42]]);
  }, 60_000);
});

describe("ingest while heavy PromQL queries evaluate", () => {
  const BASE = Math.floor(Date.now() / 60_000) * 60_000 - 2 * 3600_000;
  const SERIES = 500,
    SECONDS = 3600;
  const write = (url: string, body: Uint8Array) =>
    fetch(`${url}/api/v1/write`, {
      method: "POST",
      headers: { "content-type": "application/x-protobuf", "content-encoding": "snappy" },
      body: body as Uint8Array<ArrayBuffer>,
    });
  /** `seconds` seconds from `from` of every series, at 1 s. */
  const samples = (from: number, seconds: number, series = SERIES) =>
    encodeWriteRequest({
      timeseries: Array.from({ length: series }, (_, i) => {
        const out: RwSample[] = [];
        for (let s = from; s < from + seconds; s++) out.push({ value: s * (1 + (i % 5)), timestamp: BASE + s * 1000 });
        return {
          labels: [
            { name: "__name__", value: "req_total" },
            { name: "i", value: String(i) },
            { name: "route", value: `/r${i % 10}` },
          ],
          samples: out,
        };
      }),
    });
  const promql = async (url: string, params: Record<string, string>) => {
    const res = await fetch(`${url}/api/v1/query`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(params),
    });
    return { status: res.status, body: (await res.json()) as { status: string; errorType?: string; error?: string } };
  };
  /** Each is seconds of JavaScript in one stage: 3,600 windows of 1,800 samples for each of 500 series. */
  const HEAVY = "sum by (route) (max_over_time(rate(req_total[30m])[1h:1s]))";
  /** An ingest request may take this long while queries run (it takes milliseconds on an idle server). */
  const ACK_BOUND_MS = 5000;

  it("batches, events and remote writes are acknowledged within a bound; queries still end at their deadline", async () => {
    const s = await start(tempStore("promql-isolation"), ["--max-queries", "8", "--promql-timeout", "10m"]);
    for (let from = 0; from < SECONDS; from += 300) expect((await write(s.url, samples(from, 300))).status).toBe(204);
    const at = String((BASE + SECONDS * 1000) / 1000);

    let running = 4;
    const heavy = Array.from({ length: 4 }, () => promql(s.url, { query: HEAVY, time: at }).finally(() => running--));
    const timed = async <T>(what: string, send: () => Promise<T>, ok: (r: T) => boolean) => {
      const t0 = Date.now();
      const r = await send();
      expect(ok(r), what).toBe(true);
      expect(Date.now() - t0, `${what} acknowledged in ${Date.now() - t0} ms`).toBeLessThan(ACK_BOUND_MS);
    };
    // Ingest of every kind, round after round, for as long as the queries run.
    let round = 0;
    while (running > 0) {
      round++;
      await timed(
        `batch ${round}`,
        () => post(s.url, batch("sdk", round, 1)),
        (r) => r.status === 200,
      );
      await timed(
        `events ${round}`,
        () =>
          fetch(`${s.url}/v1/events`, {
            method: "POST",
            headers: { "content-type": "application/x-ndjson" },
            body: JSON.stringify({ event_id: `e${round}`, event_time: new Date().toISOString(), event_type: "probe", event_name: "probe.round" }),
          }),
        (r) => r.status === 200,
      );
      await timed(
        `remote write ${round}`,
        () => write(s.url, samples(SECONDS + round, 1, 10)),
        (r) => r.status === 204,
      );
    }
    // The queries ran all along, and answered.
    expect(round).toBeGreaterThanOrEqual(3);
    for (const r of await Promise.all(heavy)) expect(r.body.status, JSON.stringify(r.body)).toBe("success");
    expect(await query(s.url, "SELECT count(*) FROM batches")).toEqual([[round]]);
    expect(await query(s.url, "SELECT count(*) FROM events")).toEqual([[round]]);

    // A heavy query past its deadline is 503 timeout in Prometheus's shape, and the server goes on.
    const cut = await promql(s.url, { query: HEAVY, time: at, timeout: "1s" });
    expect(cut.status).toBe(503);
    expect(cut.body).toMatchObject({ status: "error", errorType: "timeout" });
    expect((await promql(s.url, { query: "1+1" })).body.status).toBe("success");
  }, 600_000);
});
