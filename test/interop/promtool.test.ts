// The exposition of the SDK's pull endpoint and of the server's /metrics, checked by the real
// promtool: no error and no lint problem, for a schema with every instrument and every kind of
// unit, label values with quotes, backslashes and newlines, and names Prometheus cannot take as
// they are. OpenMetrics output is checked for its framing here and parsed by a real Prometheus
// in prometheus-scrape.test.ts.
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrometheusExporter } from "../../src/export/prometheus-exporter.ts";
import { PrometheusState } from "../../src/export/prometheus-state.ts";
import { renderExposition } from "../../src/exposition/prometheus-text.ts";
import { ServerExporter } from "../../src/export/server-exporter.ts";
import { Collector } from "../../src/runtime/collector.ts";
import type { Batch } from "../../src/wire/batch.ts";
import { startServerProcess, tempStore, type ServerProcess } from "../server/helpers/server-process.ts";
import { recordWorkload } from "./helpers/record.ts";
import { promtoolCheck } from "./helpers/tools.ts";

let server: ServerProcess;
let prom: PrometheusExporter;
let collector: Collector;
let sdkUrl = "";

beforeAll(async () => {
  server = await startServerProcess({ store: tempStore("promtool") });
  prom = new PrometheusExporter({ port: 0 });
  const ready = await prom.ready;
  if ("code" in ready) throw new Error(ready.message);
  sdkUrl = ready.url;
  const toServer = new ServerExporter({ url: server.url, transport: "http" });
  collector = new Collector({ exporters: [prom, toServer], resource: { "service.name": "interop" } });
  recordWorkload();
  await collector.flush();
});

afterAll(async () => {
  await collector?.shutdown();
  await server?.stop("SIGKILL");
  if (server) rmSync(dirname(server.store), { recursive: true, force: true });
});

const scrape = async (url: string, accept?: string) => {
  const res = await fetch(url, accept ? { headers: { accept } } : {});
  return { type: res.headers.get("content-type"), text: await res.text() };
};

describe("promtool check metrics", () => {
  it("passes the SDK endpoint's text format with no error and no lint problem", async () => {
    const { type, text } = await scrape(sdkUrl);
    expect(type).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(promtoolCheck(text)).toEqual({ code: 0, output: "" });
    // Counters end in _total, units become suffixes in base units, annotations drop out.
    expect(text).toContain("# TYPE interop_api_requests_total counter\n");
    expect(text).toContain("# TYPE interop_api_bytes_in_bytes_total counter\n");
    expect(text).toContain("# TYPE interop_host_heap_bytes gauge\n");
    expect(text).toContain("# TYPE interop_host_throughput_bytes_per_second gauge\n");
    expect(text).toContain("# TYPE interop_host_gc_pause_seconds_total counter\n");
    expect(text).toContain("# TYPE interop_api_queue_wait_seconds summary\n");
    expect(text).toContain("interop_host_heap_bytes 2097152\n"); // 2048 KiBy
    // Escaped label values, histogram +Inf equal to _count.
    expect(text).toContain('interop_api_requests_total{method="GET",route="C:\\\\dir \\"quoted\\"\\nnext",status="2xx",worker_id="1"} 6\n');
    expect(text).toContain('interop_api_duration_seconds_bucket{method="GET",route="/plain",status="2xx",worker_id="0",le="+Inf"} 5\n');
    expect(text).toContain('interop_api_duration_seconds_count{method="GET",route="/plain",status="2xx",worker_id="0"} 5\n');
    expect(text).toMatch(/^target_info\{.*service_name="interop".*\} 1$/m);
  });

  it("passes the server's /metrics with no error and no lint problem", async () => {
    const { text } = await scrape(`${server.url}/metrics`);
    expect(text).toContain('interop_api_requests_total{method="GET",route="C:\\\\dir \\"quoted\\"\\nnext",service_name="interop",status="2xx",worker_id="1"} 6\n');
    expect(promtoolCheck(text)).toEqual({ code: 0, output: "" });
  });

  it("serves OpenMetrics 1.0 when asked, on both endpoints", async () => {
    for (const url of [sdkUrl, `${server.url}/metrics`]) {
      const { type, text } = await scrape(url, "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5");
      expect(type).toBe("application/openmetrics-text; version=1.0.0; charset=utf-8");
      expect(text.endsWith("# EOF\n")).toBe(true);
      expect(text).toContain("# TYPE interop_api_requests counter\n");
      expect(text).toContain("# UNIT interop_api_duration_seconds seconds\n");
      expect(text).toContain("# TYPE target info\n");
    }
  });

  it("sanitises names and labels Prometheus cannot represent, and still lints clean", () => {
    const state = new PrometheusState();
    const weird: Batch = {
      v: 1,
      stream: "weird",
      seq: 1,
      start: 0,
      end: 1,
      open: { resource: { "service.name": "we ird", "9lives": "x" }, schemaHash: "h", sdk: { name: "t", version: "0" }, view: "aggregate" },
      sets: [
        {
          name: "weird",
          brief: "",
          schemaHash: "h",
          attributes: [
            { name: "__reserved", type: "string", brief: "" },
            { name: "a.b", type: "string", brief: "" },
            { name: "a_b", type: "string", brief: "" },
            { name: "9x-y", type: "int", brief: "" },
          ],
          measures: [],
          fields: [
            { name: "9bad-name.ü", instrument: "counter", unit: "{thing}", brief: "Odd\nhelp \\ text", valueType: "double" },
            { name: "dup.total", instrument: "counter", unit: "1", brief: "Already ends in total", valueType: "double" },
            { name: "clash", instrument: "histogram", unit: "", brief: "A histogram", valueType: "double", bounds: [1] },
            { name: "clash.count", instrument: "gauge", unit: "", brief: "Clashes with clash_count", valueType: "double" },
            { name: "rate", instrument: "gauge", unit: "m/s", brief: "Speed", valueType: "double" },
            { name: "mystery", instrument: "gauge", unit: "widgets*2", brief: "Unknown unit", valueType: "double" },
          ],
        },
      ],
      series: [[0, 0, ["r", "x\\y", 'q"', 7]]],
      points: [[0, 0, 1, 1, 2, 2, [1, 1, 0], 3, 5, 4, 1.5, 5, 9]],
    };
    state.apply(weird);
    const text = renderExposition(state.snapshot(), "text");
    expect(promtoolCheck(text)).toEqual({ code: 0, output: "" });
    expect(text).toContain('_9bad_name_total{a_b="x\\\\y;q\\"",key_9x_y="7",key__reserved="r"} 1\n');
    expect(text).toContain("dup_total{");
    expect(text).not.toContain("# TYPE clash_count gauge"); // the gauge lost to the histogram's clash_count
    expect(state.skipped).toBe(1);
    expect(text).toContain("rate_meters_per_second{");
  });
});
