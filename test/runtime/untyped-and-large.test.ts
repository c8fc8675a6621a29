// Issue #8 defects 2 and 5, through the generated code and a real collector in one thread:
// - untyped callers (plain JavaScript, a value read from a header) passing strings: each such value
//   is dropped and counted as invalid, and the sums stay numbers;
// - int counters past 2^53 stay exact (they are [low, high], see src/schema/layout.ts); a double
//   counter past 2^53 is reported.
import { describe, expect, it, vi } from "vitest";
import { HttpServer, Process } from "../../examples/demo/telemetry.generated.ts";
import { Collector } from "../../src/runtime/collector.ts";
import { StreamReader, type DecodedPoint } from "../../src/wire/stream-reader.ts";

let route = 0;
function harness() {
  const collector = new Collector();
  const reader = new StreamReader();
  const flush = (): DecodedPoint[] => {
    const out = collector.collect();
    return out ? reader.read(out.batch) : [];
  };
  flush();
  flush();
  return flush;
}

describe("untyped callers", () => {
  it("drop and count strings, booleans and objects on every instrument; sums stay numbers", () => {
    const flush = harness();
    const r = `/u${++route}`;
    const s = new HttpServer({ workerId: 2, route: r }) as any;
    s.requests.add(3, "GET", "2xx");
    s.requests.add("5", "GET", "2xx");
    s.requests.at("GET", "2xx").add("5");
    s.payloadSize.add("5", "GET", "2xx");
    s.inFlight.add(40, "GET", "2xx");
    s.inFlight.add("2", "GET", "2xx");
    s.heapUsed.set(9, "GET", "2xx");
    s.heapUsed.set("7", "GET", "2xx");
    s.duration.record(10, "GET", "2xx");
    s.duration.record("7", "GET", "2xx");
    s.queueWait.record(1, "GET", "2xx");
    s.queueWait.record("7", "GET", "2xx");
    s.queueWait.at("GET", "2xx").record(true);
    new Process().tasks.add({ valueOf: () => 1 } as never);
    const points = flush().filter((p) => p.attributes.route === r);
    expect(Object.fromEntries(points.map((p) => [p.metric, p.value]))).toEqual({
      "http.server.requests": 3,
      "http.server.in_flight": 40,
      "http.server.heap_used": 9,
      "http.server.duration": [10, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
      "http.server.queue_wait": [1, 1, 1, 1],
    });
    const sdk = flush().filter((p) => p.set === "percore.sdk");
    expect(sdk.map((p) => [p.metric, p.value])).toEqual([["percore.sdk.invalid.values", 9]]);
  });
});

describe("counters past 2^53", () => {
  it("1,000 inc() at 2^53 are all there, and add() stays exact up to 2^63 and beyond", () => {
    const flush = harness();
    const r = `/big${++route}`;
    const s = new HttpServer({ workerId: 3, route: r });
    const total = (points: DecodedPoint[]) =>
      points.filter((p) => p.attributes.route === r && p.metric === "http.server.payload_size").reduce((a, p) => a + BigInt(p.value as number), 0n);
    let sent = 0n;
    s.payloadSize.add(2 ** 53, "GET", "2xx");
    sent += total(flush());
    for (let i = 0; i < 1000; i++) s.payloadSize.add(1, "GET", "2xx");
    const d = total(flush());
    expect(d).toBe(1000n);
    sent += d;
    // Whole multiples of 2^52, odd amounts across the carry, and a total past 2^63.
    const adds = [2 ** 52, 2 ** 52 - 1, 3, 2 ** 62, 2 ** 62, 2 ** 62, 2 ** 62 + 2 ** 40, 7];
    for (const n of adds) {
      s.payloadSize.add(n, "GET", "2xx");
      sent += total(flush());
    }
    const expected = 2n ** 53n + 1000n + adds.reduce((a, n) => a + BigInt(n), 0n);
    expect(expected > 2n ** 63n).toBe(true);
    expect(sent).toBe(expected);
  });

  it("a double counter past 2^53 is reported on stderr, once per metric (never silent)", () => {
    const flush = harness();
    const lines: string[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((line: string) => void lines.push(line));
    try {
      const p = new Process(); // tasks: a "double" counter, one Float64
      p.tasks.add(2 ** 53);
      flush();
      p.tasks.inc();
      flush();
    } finally {
      spy.mockRestore();
    }
    expect(lines.filter((l) => l.includes("process.worker.tasks"))).toEqual([
      'percore: counter process.worker.tasks passed 2^53; as a "double" counter it can no longer count by 1 exactly. Declare it with value: "int" (exact to 2^105).',
    ]);
  });
});
