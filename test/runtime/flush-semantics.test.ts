// What one flush emits, instrument by instrument, in a single thread (the collector sees this
// thread's instances synchronously).
import { describe, expect, it } from "vitest";
import { HttpServer, Process } from "../../examples/demo/telemetry.generated.ts";
import { Collector } from "../../src/runtime/collector.ts";
import { decodeBatch } from "../../src/wire/codec.ts";
import { StreamReader, type DecodedPoint } from "../../src/wire/stream-reader.ts";
import type { Batch } from "../../src/wire/batch.ts";

let route = 0;
/** A fresh instance (unique route) so tests do not see each other's values. */
const fresh = () => new HttpServer({ workerId: 1, route: `/t${++route}` });

function harness() {
  const collector = new Collector({ resource: { "service.name": "semantics-test", "service.version": "1.2.3" } });
  const reader = new StreamReader();
  const batches: Batch[] = [];
  const flush = (): DecodedPoint[] => {
    const out = collector.collect();
    if (!out) return [];
    const batch = decodeBatch(out.bytes);
    batches.push(batch);
    return reader.read(batch);
  };
  return { collector, reader, batches, flush };
}

const only = (points: DecodedPoint[], route: string) => points.filter((p) => p.attributes.route === route);

describe("flush semantics", () => {
  it("emits only what changed, and nothing when nothing changed", () => {
    const { flush } = harness();
    flush(); // drain whatever other instances of this thread hold
    const s = fresh();
    s.requests.inc("GET", "2xx");
    const first = only(flush(), `/t${route}`);
    expect(first.map((p) => [p.metric, p.measures, p.value])).toEqual([["http.server.requests", { method: "GET", status: "2xx" }, 1]]);
    expect(flush()).toEqual([]);
    s.requests.add(2, "POST", "4xx");
    const third = only(flush(), `/t${route}`);
    expect(third.map((p) => [p.measures, p.value])).toEqual([[{ method: "POST", status: "4xx" }, 2]]);
  });

  it("counters are deltas, up-down counters cumulative, gauges last value", () => {
    const { flush } = harness();
    flush();
    const s = fresh();
    const r = `/t${route}`;
    s.requests.add(5, "GET", "2xx");
    s.inFlight.add(3, "GET", "2xx");
    s.heapUsed.set(10, "GET", "2xx");
    s.heapUsed.set(20, "GET", "2xx");
    const a = only(flush(), r);
    expect(Object.fromEntries(a.map((p) => [p.metric, p.value]))).toEqual({ "http.server.requests": 5, "http.server.in_flight": 3, "http.server.heap_used": 20 });
    s.requests.add(1, "GET", "2xx");
    s.inFlight.add(-1, "GET", "2xx");
    const b = only(flush(), r);
    expect(Object.fromEntries(b.map((p) => [p.metric, p.value]))).toEqual({ "http.server.requests": 1, "http.server.in_flight": 2 });
    s.heapUsed.set(20, "GET", "2xx"); // same value: not a change
    expect(only(flush(), r)).toEqual([]);
  });

  it("histograms send bucket and sum deltas; mmsc min/max/sum/count per interval", () => {
    const { flush } = harness();
    flush();
    const s = fresh();
    const r = `/t${route}`;
    for (const v of [0.5, 1, 1.5, 7, 1000, 1001]) s.duration.record(v, "GET", "2xx");
    for (const v of [5, 3, 9]) s.queueWait.record(v, "GET", "2xx");
    const a = Object.fromEntries(only(flush(), r).map((p) => [p.metric, p.value]));
    // bounds [1,2,5,10,...,1000]: v <= bound goes in that bucket; 1001 overflows.
    expect(a["http.server.duration"]).toEqual([0.5 + 1 + 1.5 + 7 + 1000 + 1001, 2, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1]);
    expect(a["http.server.queue_wait"]).toEqual([3, 17, 3, 9]);
    s.queueWait.record(6, "GET", "2xx");
    const b = Object.fromEntries(only(flush(), r).map((p) => [p.metric, p.value]));
    expect(b["http.server.queue_wait"]).toEqual([1, 6, 6, 6]);
    expect(b["http.server.duration"]).toBeUndefined();
  });

  it("drops and counts NaN, infinities, negative and fractional adds to counters", () => {
    const { flush } = harness();
    flush();
    flush();
    const s = fresh();
    const r = `/t${route}`;
    s.requests.add(NaN, "GET", "2xx");
    s.requests.add(-1, "GET", "2xx");
    s.requests.add(Infinity, "GET", "2xx");
    s.payloadSize.add(1.5, "GET", "2xx"); // int counter
    s.duration.record(NaN, "GET", "2xx");
    s.duration.record(-Infinity, "GET", "2xx");
    s.queueWait.record(Infinity, "GET", "2xx");
    s.heapUsed.set(NaN, "GET", "2xx");
    s.inFlight.add(NaN, "GET", "2xx");
    s.requests.inc("PUT" as never, "2xx"); // only an untyped caller can do this
    s.duration.record(4, "GET", "2xx");
    const a = only(flush(), r);
    // The one valid value is there and the sum is not poisoned.
    expect(a.map((p) => [p.metric, p.value])).toEqual([["http.server.duration", [4, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]]]);
    const sdk = flush().filter((p) => p.set === "percore.sdk");
    expect(sdk.map((p) => [p.metric, p.value])).toEqual([["percore.sdk.invalid.values", 10]]);
  });

  it("opens the stream once with resource and descriptors, declares each series once", () => {
    const { flush, batches } = harness();
    const s = fresh();
    s.requests.inc("GET", "2xx");
    flush();
    s.requests.inc("GET", "2xx");
    new Process().tasks.inc();
    flush();
    expect(batches[0].seq).toBe(1);
    expect(batches[0].open?.resource).toMatchObject({ "service.name": "semantics-test", "service.version": "1.2.3", "process.pid": process.pid });
    expect(batches[0].open?.resource["host.name"]).toBeTypeOf("string");
    expect(batches[0].open?.resource["service.instance.id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(batches[0].sets?.map((d) => d.name)).toContain("http.server");
    const http = batches[0].sets!.find((d) => d.name === "http.server")!;
    expect(http.fields.find((f) => f.name === "http.server.duration")).toMatchObject({
      instrument: "histogram",
      unit: "ms",
      bounds: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
    });
    expect(http.attributes.map((a) => [a.name, a.type])).toEqual([
      ["worker_id", "int"],
      ["route", "string"],
    ]);
    expect(batches[1].seq).toBe(2);
    expect(batches[1].open).toBeUndefined();
    expect(batches[1].sets?.map((d) => d.name) ?? []).not.toContain("http.server");
    const declared = batches.flatMap((b) => b.series ?? []).map((d) => d[0]);
    expect(new Set(declared).size).toBe(declared.length);
  });

  it("the thread view adds thread.id; the aggregate view merges equal attributes", () => {
    const a = new Collector({ view: "thread" });
    const s = fresh();
    s.requests.inc("GET", "2xx");
    const reader = new StreamReader();
    const points = reader.read(decodeBatch(a.collect()!.bytes)).filter((p) => p.attributes.route === `/t${route}`);
    expect(points[0].attributes).toEqual({ worker_id: 1, route: `/t${route}`, "thread.id": 0 });
    // Same attributes in the same thread: the same instance.
    const again = new HttpServer({ workerId: 1, route: `/t${route}` });
    again.requests.inc("GET", "2xx");
    const next = reader.read(decodeBatch(a.collect()!.bytes)).filter((p) => p.attributes.route === `/t${route}`);
    expect(next.map((p) => p.value)).toEqual([1]);
  });

  it("bound handles (at(...)) record into the same slots as per-call attributes", () => {
    const { flush } = harness();
    flush();
    flush();
    const s = fresh();
    const r = `/t${route}`;
    const postClientError = s.requests.at("POST", "4xx");
    postClientError.inc();
    postClientError.add(2);
    s.requests.inc("POST", "4xx");
    s.duration.at("GET", "2xx").record(3);
    s.queueWait.at("GET", "2xx").record(5);
    s.inFlight.at("GET", "2xx").add(-1);
    s.heapUsed.at("OTHER", "5xx").set(7);
    postClientError.add(NaN);
    const got = Object.fromEntries(only(flush(), r).map((p) => [`${p.metric} ${p.measures.method} ${p.measures.status}`, p.value]));
    expect(got).toEqual({
      "http.server.requests POST 4xx": 4,
      "http.server.duration GET 2xx": [3, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
      "http.server.queue_wait GET 2xx": [1, 5, 5, 5],
      "http.server.in_flight GET 2xx": -1,
      "http.server.heap_used OTHER 5xx": 7,
    });
    expect(
      flush()
        .filter((p) => p.metric === "percore.sdk.invalid.values")
        .map((p) => p.value),
    ).toEqual([1]);
    expect(() => s.requests.at("PUT" as never, "2xx")).toThrow(/http.server.requests: unknown measurement attribute value in \(PUT, 2xx\)/);
  });

  it("rejects entity attributes of the wrong type at construction", () => {
    expect(() => new HttpServer({ workerId: 1.5, route: "/x" })).toThrow(/worker_id \(workerId\) must be int/);
    expect(() => new HttpServer({ workerId: 1, route: 3 as never })).toThrow(/route \(route\) must be string/);
  });
});
