// Requirements (b), (c), (d): a worker stuck in a synchronous loop is still flushed; a worker that
// exits is flushed to its last count; concurrent reads never tear.
import { BroadcastChannel } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { Collector } from "../../src/runtime/collector.ts";
import { HttpServerDescriptor } from "../../examples/demo/telemetry.generated.ts";
import { CHANNEL_NAME, type ChannelMessage, type InstanceMessage } from "../../src/runtime/channel.ts";
import { exited, startWorker, waitForFlag } from "../helpers/workers.ts";
import { TotalsExporter } from "../helpers/totals.ts";

/** Offsets in slot 0 of http.server, from the generated descriptor. */
const offsetOf = (key: string) => HttpServerDescriptor.fields.find((f) => f.key === key)!.offset;
const HEAP_USED = offsetOf("heapUsed");
const PAYLOAD_SIZE = offsetOf("payloadSize");

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

describe("worker lifecycle", () => {
  it("flushes a worker while it is stuck in a 2 s synchronous loop", async () => {
    const totals = new TotalsExporter();
    const collector = new Collector({ cadenceMs: 10, exporters: [totals] }).start();
    const flags = new Int32Array(new SharedArrayBuffer(8));
    const progress = new Float64Array(new SharedArrayBuffer(8));
    const worker = startWorker(fixture("stuck-worker.ts"), { flags, progress, before: 1000, stuckMs: 2000 });
    await waitForFlag(flags, 0, 0);
    // Let the stuck loop record for a while, then flush while it is still running.
    await waitUntil(() => progress[0] > 100_000);
    const seenBefore = progress[0];
    await collector.flush();
    expect(Atomics.load(flags, 1), "the worker is still stuck").toBe(0);
    expect(totals.total("http.server.requests", { worker_id: 7, route: "/stuck" }, { method: "GET", status: "2xx" })).toBe(1000);
    expect(totals.total("process.worker.tasks", {})).toBeGreaterThanOrEqual(seenBefore);
    await exited(worker);
    await collector.shutdown();
    expect(totals.total("process.worker.tasks", {})).toBe(progress[0]);
  });

  it("reports the last counts of a worker that exited, then releases it", async () => {
    const totals = new TotalsExporter();
    const collector = new Collector({ cadenceMs: 20, exporters: [totals] }).start();
    const count = 123_457;
    await Promise.all([1, 2, 3].map((workerId) => exited(startWorker(fixture("exit-worker.ts"), { count, workerId }))));
    // The exit notices arrive; each thread is read for a grace second more, then let go.
    await waitUntil(() => collector.stats.threads <= 1);
    await collector.shutdown();
    for (const workerId of [1, 2, 3]) {
      const attrs = { worker_id: workerId, route: "/exit" };
      expect(totals.total("http.server.requests", attrs, { method: "POST", status: "5xx" })).toBe(count);
      expect(totals.total("http.server.duration", attrs, { method: "POST", status: "5xx" }, ":count")).toBe(count);
      expect(totals.last.get(`http.server.heap_used${JSON.stringify(attrs)}${JSON.stringify({ method: "GET", status: "2xx" })}`)).toBe(count);
    }
  });

  it("never tears a value: the reader only sees values the writer wrote", async () => {
    // step has bits in both 32-bit halves of the double, so mixing halves of two writes gives a non-multiple.
    const step = 2 ** 32 + 1;
    // 1e6 * (2^32+1) < 2^52: every written value is exact, and the counter's low element never carries (layout.ts).
    const writes = 1_000_000;
    const flags = new Int32Array(new SharedArrayBuffer(8));
    const channel = new BroadcastChannel(CHANNEL_NAME);
    const announced = new Promise<InstanceMessage>((resolve) => {
      channel.onmessage = (e) => {
        const m = (e as { data: ChannelMessage }).data;
        if (m.t === "instance" && m.descriptor.name === "http.server" && m.attrs[0] === 99) resolve(m);
      };
    });
    const worker = startWorker(fixture("tear-worker.ts"), { flags, writes, step });
    const m = await announced;
    channel.close();
    const region = new Float64Array(m.buffer, m.start * 8, m.length);
    const gauge = region[HEAP_USED]; // slot (GET, 2xx) = 0
    expect(Number.isNaN(gauge)).toBe(true);
    Atomics.store(flags, 0, 1);
    Atomics.notify(flags, 0);
    let reads = 0;
    let bad = 0;
    let lastCounter = 0;
    let backwards = 0;
    while (Atomics.load(flags, 1) === 0) {
      const g = region[HEAP_USED];
      const c = region[PAYLOAD_SIZE];
      reads++;
      if (!(Number.isNaN(g) || (g % step === 0 && g >= step && g <= writes * step))) bad++;
      if (c % step !== 0 || c > writes * step) bad++;
      if (c < lastCounter) backwards++;
      lastCounter = c;
    }
    await exited(worker);
    expect(bad).toBe(0);
    expect(backwards).toBe(0);
    expect(reads).toBeGreaterThan(1000);
    expect(region[HEAP_USED]).toBe(writes * step);
    expect(region[PAYLOAD_SIZE]).toBe(writes * step);
  });
});

async function waitUntil(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((r) => setImmediate(r));
  }
}
