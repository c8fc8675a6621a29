// The collector thread of `new Collector({ thread: true })`: it builds the exporters from their
// descriptions, runs an ordinary Collector (flush loop, fold, encode, exporters) and answers the
// handle's commands (see collector-protocol.ts). Worker threads' instances reach it over the
// process-wide channel exactly as they reach a collector on the main thread; the main thread's own
// instances come over the command port, so they are ordered before any later command.
import { format } from "node:util";
import { type MessagePort, workerData } from "node:worker_threads";
import { Collector } from "./collector.ts";
import { REPLIES, type Commands, type CommandName, type Request, type ThreadMessage, type ThreadStart } from "./collector-protocol.ts";
import type { Exporter, ExportBatch } from "./exporter.ts";
import { buildExporter } from "./exporter-spec.ts";
import { threadRegistry } from "./thread-registry.ts";

const { start, port } = workerData as { start: ThreadStart; port: MessagePort };
// This thread's own instances (its SDK counters) are its collector's alone (see keepLocal).
threadRegistry().keepLocal();
const signal = new Int32Array(start.signal);

/** Hands every batch to the exporters that stayed on the main thread (objects cannot move here). */
class RelayExporter implements Exporter {
  export(batch: ExportBatch): void {
    send({ t: "batch", header: batch.header, bytes: batch.bytes });
  }
}

/** Posts, then bumps and notifies the reply word: a handle blocked in Atomics.wait wakes and reads the port. */
function send(m: ThreadMessage): void {
  port.postMessage(m);
  if (m.t === "batch" || m.t === "log") return;
  Atomics.add(signal, REPLIES, 1);
  Atomics.notify(signal, REPLIES);
}

// The collector's and exporters' warnings go to the handle, which prints them on the main thread:
// in order with the batches, and where an application (or a test) watching console.error sees them.
console.error = console.warn = (...args: unknown[]) => send({ t: "log", text: format(...args) });

type Handler<C extends CommandName> = (collector: Collector, arg: Commands[C]["arg"]) => Commands[C]["value"] | Promise<Commands[C]["value"]>;

/** One entry per command: adding a command (e.g. setLevel) is one more entry here and a method on the handle. */
const COMMANDS: { [C in CommandName]: Handler<C> } = {
  announce: (c, m) => {
    c.receive(m);
    return undefined;
  },
  start: (c) => {
    c.start();
    return undefined;
  },
  collect: (c) => {
    const out = c.collect();
    return out && { header: out.header, bytes: out.bytes };
  },
  flush: async (c) => {
    await c.flush();
    return undefined;
  },
  shutdown: async (c) => {
    await c.shutdown();
    // Nothing else keeps this thread alive: once the reply is out, it ends by itself.
    setImmediate(() => port.close());
    return undefined;
  },
  threadExited: (c, id) => {
    c.threadExited(id);
    return undefined;
  },
  setLevel: (c, { group, level }) => {
    c.setLevel(group, level);
    return undefined;
  },
  // This thread's own registry (its SDK counters) is an implementation detail: not counted.
  stats: (c) => {
    const s = c.stats;
    return { threads: s.threads - 1, instances: s.instances - 1, series: s.series };
  },
};

async function run(collector: Collector, r: Request): Promise<void> {
  try {
    const value = await (COMMANDS[r.cmd] as Handler<CommandName>)(collector, r.arg as never);
    if (r.id !== 0) send({ t: "reply", id: r.id, ok: true, value });
  } catch (error) {
    if (r.id !== 0) send({ t: "reply", id: r.id, ok: false, error: { code: "command-failed", message: `${r.cmd}: ${String(error)}` } });
    else console.error(`percore: collector thread: ${r.cmd} failed:`, error);
  }
}

// Commands that arrive while the exporters load wait, in order.
const queued: Request[] = [];
let collector: Collector | undefined;
let failed: { code: string; message: string } | undefined;
port.on("message", (r: Request) => {
  if (failed) {
    if (r.id !== 0) send({ t: "reply", id: r.id, ok: false, error: failed });
  } else if (collector) void run(collector, r);
  else queued.push(r);
});

try {
  const exporters: Exporter[] = [];
  for (const spec of start.specs) exporters.push(await buildExporter(spec));
  if (start.relay) exporters.push(new RelayExporter());
  collector = new Collector({ ...start.extra, cadenceMs: start.cadenceMs, view: start.view, resource: start.resource, exporters, thread: false });
  // One stream per handle: the id the main thread already handed out is the one on the wire.
  (collector as { stream: string }).stream = start.stream;
  send({ t: "ready" });
  for (const r of queued.splice(0)) void run(collector, r);
} catch (error) {
  failed = { code: "exporter-module-failed", message: `collector thread: building the exporters failed: ${String(error)}` };
  send({ t: "failed", error: failed });
  for (const r of queued.splice(0)) if (r.id !== 0) send({ t: "reply", id: r.id, ok: false, error: failed });
}
