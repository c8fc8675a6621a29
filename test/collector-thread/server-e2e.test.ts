// Thread mode end to end: workers and the main thread record, the collector thread ships to a
// real telemetry server (exporter described by options), a custom exporter loaded by module path
// runs in the thread too, and an exporter object stays on the main thread with batches relayed.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { threadId } from "node:worker_threads";
import { afterAll, describe, expect, it } from "vitest";
import { HttpServer } from "../../examples/demo/telemetry.generated.ts";
import { Jobs } from "../runtime/fixtures/events/telemetry.generated.ts";
import { Collector } from "../../src/runtime/collector.ts";
import { TotalsExporter } from "../helpers/totals.ts";
import { exited, startWorker } from "../helpers/workers.ts";
import { freePort, query, scalar, serverPool, until } from "../server/helpers/server-process.ts";

const servers = serverPool();
const dir = mkdtempSync(join(tmpdir(), "percore-thread-"));
afterAll(async () => {
  await servers.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe("collector thread, end to end", () => {
  it("2 workers x 500k + the main thread's counts reach the server exactly; every exporter kind gets every batch", async () => {
    const server = await servers.start("thread-e2e");
    const file = join(dir, "file-exporter.json");
    const totals = new TotalsExporter();
    const collector = new Collector({
      thread: true,
      cadenceMs: 10,
      exporters: [
        { kind: "server", url: server.url, timeoutMs: 30_000 },
        { kind: "module", module: new URL("./fixtures/file-exporter.ts", import.meta.url).href, export: "FileExporter", options: { file } },
        totals,
      ],
    }).start();
    expect(collector instanceof Collector, "thread: true returns the handle").toBe(false);
    const main = new HttpServer({ workerId: 0, route: "/inc" });
    main.requests.add(1234, "GET", "2xx");
    // stats blocks until the thread answers: from here on its flush loop runs while the workers record.
    expect(collector.stats.threads).toBeGreaterThanOrEqual(1);
    const workers = [1, 2].map((workerId) =>
      startWorker(new URL("../server/fixtures/inc-worker.ts", import.meta.url), { total: 500_000, chunks: 50, pauseMs: 5, workerId }),
    );
    await Promise.all(workers.map(exited));
    // Discovery through the thread: main + 2 workers (the collector's own thread is not counted).
    expect(collector.stats.threads).toBeGreaterThanOrEqual(3);
    await collector.shutdown();

    const sql = `SELECT coalesce(sum(value), 0) FROM metric_points p JOIN streams s ON s.id = p.stream_id WHERE s.key = '${collector.stream}' AND metric = 'http.server.requests'`;
    expect(await scalar(server.url, sql)).toBe(1_001_234);
    const relayed = [0, 1, 2].reduce(
      (sum, workerId) => sum + totals.total("http.server.requests", { worker_id: workerId, route: "/inc" }, { method: "GET", status: "2xx" }),
      0,
    );
    expect(relayed).toBe(1_001_234);
    const written = JSON.parse(readFileSync(file, "utf8")) as { batches: number; threadId: number };
    expect(written.threadId, "the custom exporter ran in the collector thread").not.toBe(threadId);
    expect(written.batches).toBe(totals.batches);
    expect(totals.batches).toBeGreaterThan(5);
  }, 90_000);

  it("the Prometheus pull exporter serves its scrapes from the collector thread", async () => {
    const port = await freePort();
    const collector = new Collector({ thread: true, exitFlush: false, exporters: [{ kind: "prometheus", port, host: "127.0.0.1" }] });
    const http = new HttpServer({ workerId: 5, route: "/prom" });
    http.requests.add(31, "GET", "2xx");
    await collector.flush();
    const line = await until(async () => {
      const text = await fetch(`http://127.0.0.1:${port}/metrics`).then(
        (r) => r.text(),
        () => "",
      );
      return text.split("\n").find((l) => l.startsWith("http_server_requests") && l.includes('route="/prom"'));
    }, "the scrape shows the counter");
    expect(line).toMatch(/ 31$/);
    await collector.shutdown();
  });

  it("events: a described NDJSON sink in the thread delivers them, and setLevel through the handle reaches the emitters", async () => {
    const server = await servers.start("thread-events");
    const collector = new Collector({ thread: true, cadenceMs: 50, exporters: [{ kind: "ndjson-events", url: `${server.url}/v1/events` }] }).start();
    const jobs = new Jobs({ workerId: 3 });
    expect(() => collector.setLevel("job", "loud" as never)).toThrow(/unknown level "loud"/);
    collector.setLevel("job", "error");
    // The level word is written by the thread: wait until an info event is filtered at the emitter.
    await collector.flush();
    jobs.started(1, "filtered out by the level");
    jobs.failed(2, "crash", true, "kept: error is at the level");
    await collector.shutdown();
    const sql = `SELECT event_name FROM events WHERE event_name LIKE 'job.%' ORDER BY event_name`;
    await until(async () => ((await scalar(server.url, "SELECT count(*) FROM events WHERE event_name LIKE 'job.%'")) === 1 ? true : undefined), "the event in the store");
    expect(await query(server.url, sql)).toEqual([["job.failed"]]);
  }, 90_000);

  it("refuses exporter descriptions it cannot build, where they are written", () => {
    expect(() => new Collector({ thread: true, exporters: [{ kind: "nope" } as never] })).toThrow(/exporters\[0\]: unknown exporter kind "nope"/);
    expect(() => new Collector({ thread: true, exporters: [{ kind: "module", module: "./x.js" }] })).toThrow(/is relative; pass new URL/);
    expect(() => new Collector({ thread: true, exporters: [{ kind: "console", write: () => {} }] })).toThrow(/option write is a function/);
    expect(() => new Collector({ thread: false, exporters: [{ kind: "server", url: "http://127.0.0.1:1" }] })).toThrow(/only a collector in its own thread builds/);
  });

  it("a module that does not load fails flush() with what went wrong", async () => {
    const collector = new Collector({ thread: true, exitFlush: false, exporters: [{ kind: "module", module: join(dir, "missing.js") }] });
    await expect(collector.flush()).rejects.toThrow(/building the exporters failed.*missing\.js/);
    await collector.shutdown().catch(() => {});
  });
});
