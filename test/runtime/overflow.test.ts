// Dynamic instances beyond the per-thread limit fold into one overflow instance, counted.
import { describe, expect, it } from "vitest";
import { HttpServer, HttpServerDescriptor } from "../../examples/demo/telemetry.generated.ts";
import { Collector } from "../../src/runtime/collector.ts";
import { decodeBatch } from "../../src/wire/codec.ts";
import { StreamReader } from "../../src/wire/stream-reader.ts";

describe("instance overflow", () => {
  it("folds instances past maxInstances into otel.metric.overflow=true and counts them", () => {
    const collector = new Collector();
    const limit = HttpServerDescriptor.maxInstances;
    for (let i = 0; i < limit; i++) new HttpServer({ workerId: 0, route: `/r${i}` }).requests.inc("GET", "2xx");
    const extra = Array.from({ length: 5 }, (_, i) => new HttpServer({ workerId: 0, route: `/extra${i}` }));
    expect(extra.every((s) => s.overflow)).toBe(true);
    for (const s of extra) s.requests.add(2, "GET", "2xx");
    // Creating them again does not grow anything: still folded, still one overflow instance, and
    // not counted again (#8: the count is of distinct attribute sets, not of constructor calls).
    new HttpServer({ workerId: 0, route: "/extra0" }).requests.inc("GET", "2xx");
    for (const i of [1, 2, 3]) new HttpServer({ workerId: 0, route: `/extra${i}` });
    const reader = new StreamReader();
    const points = reader.read(decodeBatch(collector.collect()!.bytes));
    const overflow = points.filter((p) => p.attributes["otel.metric.overflow"] === true);
    expect(overflow.map((p) => [p.metric, p.value])).toEqual([["http.server.requests", 11]]);
    expect(points.filter((p) => p.set === "http.server").length).toBe(limit + 1);
    const sdk = points.filter((p) => p.metric === "percore.sdk.overflowed.instances");
    expect(sdk.map((p) => p.value)).toEqual([5]);
    expect(collector.stats.instances).toBe(limit + 2); // + overflow instance + SDK instance
  });
});
