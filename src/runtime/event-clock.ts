// The opt-in cheap clock for events (collector option `eventClock: "ticker"`). On this kind of
// machine Date.now() costs 50-140 ns, most of an emit (bench/events.ts); with the ticker, a thread
// of its own writes Date.now() into the clock word of every ring each millisecond, and an emit
// reads that word instead (one load). The price is accuracy: an event's time is the last tick,
// 1 ms old or more when the ticker thread is scheduled late on a busy machine. Stopping the
// ticker zeroes the words, and emits go back to Date.now().
import { Worker } from "node:worker_threads";
import { RING_CLOCK } from "../schema/event-layout.ts";

// CommonJS, evaluated in the ticker thread: it keeps the rings it is sent and ticks every ms.
const TICKER = `
const { parentPort } = require("node:worker_threads");
const words = [];
parentPort.on("message", (buffer) => {
  const w = new Float64Array(buffer, ${RING_CLOCK * 8}, 1);
  w[0] = Date.now();
  words.push(w);
});
setInterval(() => {
  const now = Date.now();
  for (const w of words) w[0] = now;
}, 1);
`;

export class EventTicker {
  private readonly worker: Worker;
  private readonly words: Float64Array[] = [];

  constructor() {
    this.worker = new Worker(TICKER, { eval: true });
    // Never keep a process alive for the clock.
    this.worker.unref();
  }

  /** Starts ticking a ring's clock word. */
  add(buffer: SharedArrayBuffer): void {
    this.words.push(new Float64Array(buffer, RING_CLOCK * 8, 1));
    this.worker.postMessage(buffer);
  }

  /** Stops the thread; emits read Date.now() again. */
  async stop(): Promise<void> {
    await this.worker.terminate();
    for (const w of this.words) w[0] = 0;
  }
}
