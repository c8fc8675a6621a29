// Starts a TypeScript worker fixture the way the tests need it: through the examples' tsx bootstrap
// (examples/lib/ts-task.mjs, the same one piscina pools use), with the "source" export condition so
// `percore/*` resolves to the same src/ modules as the test.
import { Worker } from "node:worker_threads";

const BOOTSTRAP = new URL("../../examples/lib/ts-task.mjs", import.meta.url);

export function startWorker(file: URL, workerData: unknown): Worker {
  return new Worker(BOOTSTRAP, { workerData, argv: [file.href], execArgv: ["--conditions=source"] });
}

export function exited(worker: Worker): Promise<number> {
  return new Promise((resolve, reject) => {
    worker.once("exit", resolve);
    worker.once("error", reject);
  });
}

/** Waits until `flags[index]` is no longer `from` (Atomics.waitAsync: the event loop keeps running). */
export async function waitForFlag(flags: Int32Array, index: number, from: number, timeoutMs = 30_000): Promise<void> {
  while (Atomics.load(flags, index) === from) {
    const r = Atomics.waitAsync(flags, index, from, timeoutMs);
    if ((r.async ? await r.value : r.value) === "timed-out") throw new Error(`flag ${index} stayed ${from} for ${timeoutMs} ms`);
  }
}
