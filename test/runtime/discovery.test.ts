// Instances become visible to the collector with no call beyond creating them, even when the
// collector starts after the worker recorded (it says hello, registries re-announce).
import { describe, expect, it } from "vitest";
import { Collector } from "../../src/runtime/collector.ts";
import { ConsoleExporter } from "../../src/export/console-exporter.ts";
import { HttpServer } from "../../examples/demo/telemetry.generated.ts";
import { exited, startWorker } from "../helpers/workers.ts";
import { TotalsExporter } from "../helpers/totals.ts";

describe("discovery", () => {
  it("a collector started after a worker recorded still gets its counts", async () => {
    const worker = startWorker(new URL("./fixtures/early-worker.ts", import.meta.url), {});
    await new Promise((resolve) => worker.once("message", resolve));
    const totals = new TotalsExporter();
    const collector = new Collector({ exporters: [totals] });
    const until = Date.now() + 10_000;
    while (collector.stats.threads < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    await collector.flush();
    expect(totals.total("http.server.requests", { worker_id: 42, route: "/early" }, { method: "OTHER", status: "3xx" })).toBe(77);
    worker.postMessage("exit");
    await exited(worker);
    await collector.shutdown();
  });

  it("the console exporter prints what changed, readably", () => {
    const lines: string[] = [];
    const collector = new Collector({ exporters: [new ConsoleExporter({ write: (l) => lines.push(l) })], resource: { "service.name": "console-test" } });
    const http = new HttpServer({ workerId: 3, route: 'a "quoted" /path' });
    http.requests.add(5, "GET", "2xx");
    http.duration.record(7, "POST", "5xx");
    http.queueWait.record(4, "GET", "2xx");
    collector.collect();
    const text = lines.join("\n");
    expect(lines[0]).toMatch(/^stream [0-9a-f-]{36} \{.*service\.name="console-test"/);
    expect(text).toContain('http.server{worker_id=3,route="a \\"quoted\\" /path"} http.server.requests{method="GET",status="2xx"} +5 {request}');
    expect(text).toContain('http.server.duration{method="POST",status="5xx"} sum +7 buckets +[0,0,0,1,0,0,0,0,0,0,0] ms');
    expect(text).toContain('http.server.queue_wait{method="GET",status="2xx"} count +1 sum +4 min 4 max 4 ms');
  });
});
