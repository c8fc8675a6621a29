// Issue #8 defect 4: the overflow series is stored with otel.metric.overflow=true on the native
// path (SDK -> ServerExporter -> server -> DuckDB), as on the OTLP path, not with NULL attributes.
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HttpServer, HttpServerDescriptor } from "../../examples/demo/telemetry.generated.ts";
import { ServerExporter } from "../../src/export/server-exporter.ts";
import { Collector } from "../../src/runtime/collector.ts";
import { query, startServerProcess, tempStore, type ServerProcess } from "./helpers/server-process.ts";

let server: ServerProcess | undefined;
afterAll(async () => {
  await server?.stop("SIGKILL");
  if (server) rmSync(dirname(server.store), { recursive: true, force: true });
});

describe("overflow series on the native path", () => {
  it("is stored with attributes {otel.metric.overflow: true}", async () => {
    server = await startServerProcess({ store: tempStore("overflow-attrs") });
    const collector = new Collector({ exporters: [new ServerExporter({ url: server.url })], resource: { "service.name": "overflow-native" } });
    for (let i = 0; i <= HttpServerDescriptor.maxInstances + 2; i++) new HttpServer({ workerId: 5, route: `/o${i}` }).requests.add(3, "GET", "2xx");
    await collector.shutdown();
    const rows = (await query(
      server.url,
      `
      SELECT p.attributes::VARCHAR, sum(p.value) FROM metric_points p JOIN streams s ON s.id = p.stream_id
      WHERE s.key = '${collector.stream}' AND p.metric = 'http.server.requests' AND (p.attributes->>'route') IS NULL
      GROUP BY ALL`,
    )) as [string | null, number][];
    expect(rows.map(([a, v]) => [a === null ? null : JSON.parse(a), Number(v)])).toEqual([[{ "otel.metric.overflow": true }, 9]]);
  }, 60_000);
});
