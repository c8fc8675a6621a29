// Where event times come from (collector option `eventClock`). An emit reads its ring's clock
// word and takes it when it is set, else calls Date.now() (event-ring.ts). On this kind of
// machine Date.now() costs 35-42 ns, most of an emit (bench/events.ts); a ticker thread that
// writes Date.now() into every ring's clock word each millisecond makes the emit's clock one
// load. The ticker's price is CPU: it wakes 1,000 times a second (bench/event-clock-cost.ts
// measures what that costs: 39-43 ms of CPU per second here), so it saves CPU overall only when a
// process emits about 1,100,000 events/s or more; "auto" starts it at 600,000, trading a little
// CPU for cheaper emits on the application's threads (docs/sdk.md, "Time").
//
// - "exact": every emit calls Date.now();
// - "ticker": the ticker runs from the first ring on; an event's time is the last tick, up to a
//   millisecond old, more when the ticker thread is scheduled late;
// - "auto" (default): exact until the process emits at least AUTO_ON events per second (seen by
//   the collector's drains over windows of AUTO_WINDOW_MS), then the ticker, back to exact below
//   AUTO_OFF. Idle, the ticker thread is parked (no timer) and the words are zero.
// Stopping the ticker zeroes the words, and emits go back to Date.now().
import { Worker } from "node:worker_threads";
import { RING_CLOCK } from "../schema/event-layout.ts";

export type EventClockMode = "exact" | "ticker" | "auto";

/** "auto": events per second (all rings) from which the ticker runs, and below which it parks. */
const AUTO_ON = 600_000;
const AUTO_OFF = 300_000;
/** "auto": the rate is judged over windows at least this long (drains can come every ms). */
const AUTO_WINDOW_MS = 100;

// CommonJS, evaluated in the ticker thread: it keeps the clock words it is sent, by ring id, and
// ticks them every ms while running; parking stops the timer and zeroes the words.
const TICKER = `
const { parentPort } = require("node:worker_threads");
const words = new Map();
let timer;
const tick = () => { const now = Date.now(); for (const w of words.values()) w[0] = now; };
parentPort.on("message", (m) => {
  if (m.add !== undefined) {
    const w = new Float64Array(m.buffer, ${RING_CLOCK * 8}, 1);
    words.set(m.add, w);
    w[0] = timer ? Date.now() : 0;
  } else if (m.remove !== undefined) {
    const w = words.get(m.remove);
    if (w) w[0] = 0;
    words.delete(m.remove);
  } else if (m.run === true && !timer) {
    tick();
    timer = setInterval(tick, 1);
  } else if (m.run === false && timer) {
    clearInterval(timer);
    timer = undefined;
    for (const w of words.values()) w[0] = 0;
  }
});
`;

export class EventClock {
  private worker: Worker | undefined;
  private running = false;
  private readonly buffers = new Map<number, SharedArrayBuffer>();
  private nextId = 0;
  private windowStart = Number.NaN;
  private windowEvents = 0;

  constructor(private readonly mode: EventClockMode = "auto") {
    if (mode !== "exact" && mode !== "ticker" && mode !== "auto") throw new RangeError(`eventClock must be "exact", "ticker" or "auto", got ${JSON.stringify(mode)}`);
  }

  /** A new ring: its clock word ticks whenever the ticker runs. Returns the id to remove it by. */
  add(buffer: SharedArrayBuffer): number {
    const id = this.nextId++;
    this.buffers.set(id, buffer);
    this.worker?.postMessage({ add: id, buffer });
    if (this.mode === "ticker") this.run(true);
    return id;
  }

  /** A ring released by the drain (its thread exited): no longer ticked or kept. */
  remove(id: number): void {
    this.buffers.delete(id);
    this.worker?.postMessage({ remove: id });
  }

  /** "auto": the drain reports the events written since its last report. */
  observe(events: number, now: number): void {
    if (this.mode !== "auto") return;
    if (Number.isNaN(this.windowStart)) this.windowStart = now;
    this.windowEvents += events;
    const ms = now - this.windowStart;
    if (ms < AUTO_WINDOW_MS) return;
    const perSecond = (this.windowEvents * 1000) / ms;
    this.windowStart = now;
    this.windowEvents = 0;
    if (!this.running && perSecond >= AUTO_ON) this.run(true);
    else if (this.running && perSecond < AUTO_OFF) this.run(false);
  }

  /** Stops the ticker thread; emits read Date.now() again. */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.running = false;
    if (!w) return;
    await w.terminate();
    for (const b of this.buffers.values()) new Float64Array(b, RING_CLOCK * 8, 1)[0] = 0;
  }

  private run(on: boolean): void {
    if (this.running === on) return;
    this.running = on;
    if (!this.worker) {
      this.worker = new Worker(TICKER, { eval: true });
      // Never keep a process alive for the clock.
      this.worker.unref();
      for (const [id, buffer] of this.buffers) this.worker.postMessage({ add: id, buffer });
    }
    this.worker.postMessage({ run: on });
  }
}
