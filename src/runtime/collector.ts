// The collector: every cadence it reads the regions of every thread's instances, folds what
// changed since its own baseline into series, and hands one sparse batch to the exporters.
// It never writes a worker's values (single writer per slot); the only thing it writes in
// another thread's memory is each instance's mmsc epoch word, which only it writes: it moves an
// instance's epoch right after it has read that instance's mmsc min/max, and never for an
// instance it has not read yet (e.g. one whose announcement is still in flight), so every
// recorded value lands in exactly one interval's min and max.
import { randomUUID } from "node:crypto";
import { BroadcastChannel } from "node:worker_threads";
import { EncodedBatch, type Exporter, type ExportBatch } from "./exporter.ts";
import type { AttrValue, BatchHeader, Resource, SeriesDecl, WireSetDescriptor } from "../wire/batch.ts";
import { WIRE_VERSION } from "../wire/batch.ts";
import { BatchEncoder } from "../wire/batch-encoder.ts";
import { MsgpackWriter } from "../wire/msgpack-writer.ts";
import { CHANNEL_NAME, type ChannelMessage, type InstanceMessage, type RegistryMessage } from "./channel.ts";
import { defaultResource } from "./resource.ts";
import { COUNTER_CARRY, COUNTER_HIGH, epochIndex, invalidIndex, MMSC_MAX, MMSC_MIN, MMSC_SUM } from "../schema/layout.ts";
import { countDroppedBatches } from "./sdk-counters.ts";
import { SDK_INVALID } from "./sdk-metrics.ts";
import { Series } from "./series.ts";
import { SeriesArena } from "./series-arena.ts";
import { KIND_COUNTER, KIND_COUNTER_INT, KIND_GAUGE, KIND_HISTOGRAM, KIND_UP_DOWN, planSet, wireDescriptor, type SetPlan } from "./set-plan.ts";
import { threadRegistry } from "./thread-registry.ts";
import { CollectorHandle, threadModeDefault } from "./collector-handle.ts";
import { isExporterSpec, type ExporterSpec } from "./exporter-spec.ts";
import { VERSION } from "../schema/version.ts";
import type { Severity } from "../schema/events.ts";
import { EventDrain } from "./event-drain.ts";
import type { EventClockMode } from "./event-clock.ts";

export interface CollectorOptions {
  /** Flush cadence in ms (default 1000). */
  readonly cadenceMs?: number;
  /**
   * Exporter objects, or descriptions of exporters (`{ kind: "server", url }`, see exporter-spec.ts),
   * which only a collector in its own thread builds; there exporter objects stay on the calling
   * thread and get every batch relayed.
   */
  readonly exporters?: readonly (Exporter | ExporterSpec)[];
  /**
   * Run the collector, its flush loop, encoders and described exporters in a dedicated worker
   * thread; this object is then a handle to it (collector-handle.ts). Default: the
   * PERCORE_COLLECTOR_THREAD environment variable ("1"), else false (docs/sdk.md says why).
   */
  readonly thread?: boolean;
  /** Thread mode: flush the last interval when the process exits without shutdown() (default true; see exit-flush.ts). */
  readonly exitFlush?: boolean;
  /** Thread mode: how long the exit flush may block the exiting main thread (default 10000 ms). */
  readonly exitFlushTimeoutMs?: number;
  /** "aggregate" (default): equal (set, attributes) merge across threads. "thread": one series per thread instance, with a thread.id attribute. */
  readonly view?: "aggregate" | "thread";
  /** Resource attributes merged over the defaults (service.name, service.instance.id, host.name, process.pid, ...). */
  readonly resource?: Readonly<Record<string, AttrValue>>;
  /**
   * Where event times come from (src/runtime/event-clock.ts, docs/sdk.md "Time"): "exact", each
   * emit's Date.now(); "ticker", a clock word a thread of its own advances every ms (cheaper
   * emits, times up to a tick or more old); "auto" (default), exact until the process emits
   * 600,000 events/s or more, the ticker while it does.
   */
  readonly eventClock?: EventClockMode;
}

interface InstanceState {
  readonly plan: SetPlan;
  /** First element of the region in its chunk (the fold reads the chunk's arrays directly: no per-instance views). */
  readonly start: number;
  readonly series: Series;
  /** The instance's mmsc epoch word (see layout.ts), and whether this flush read its mmsc fields. */
  readonly epoch: Int32Array;
  mmscRead: boolean;
}

/**
 * One arena chunk of a thread. A flush walks its sentinel list (one entry per field and slot,
 * see layout.ts) in a single tight loop, and does per-instance work only where a sentinel moved.
 * Everything the scan and the fold need per sentinel sits in flat arrays in sentinel order (the
 * element, its baseline, its instance and its point key), so the scan reads memory sequentially
 * and an unchanged field costs one read of the worker's value plus these entries, never the
 * chunk-sized baseline (only fields wider than their sentinel keep baselines there).
 */
interface ChunkState {
  readonly values: Float64Array;
  /** Baselines of the elements that are not sentinels (histogram buckets and sum, int counter high, mmsc sum). */
  readonly base: Float64Array;
  readonly instances: InstanceState[];
  /** Per sentinel: its chunk element, its baseline, the index of its instance in `instances`, and its point key (-1: the invalid counter). */
  sentinels: Int32Array;
  sentinelBase: Float64Array;
  sentinelOwner: Int32Array;
  sentinelKey: Int32Array;
  sentinelCount: number;
}

interface ThreadState {
  readonly chunks: Map<number, ChunkState>;
  readonly instanceIds: Set<number>;
  /** When the thread was reported gone; its regions are still read for EXIT_GRACE_MS, then released. */
  exitedAt: number | undefined;
}

/**
 * How long a thread reported gone is still read. A worker's own exit message comes after its last
 * recording, but a notice from outside (piscina's workerDestroy, threadExited()) can arrive while
 * terminate() is still stopping the thread.
 */
const EXIT_GRACE_MS = 1000;

export class Collector {
  // Assigned in the constructor unless it returns a thread-mode handle instead.
  readonly cadenceMs!: number;
  readonly view!: "aggregate" | "thread";
  readonly resource!: Resource;
  readonly stream = randomUUID();
  private readonly exporters!: readonly Exporter[];
  private readonly threads = new Map<number, ThreadState>();
  private readonly plans = new Map<string, SetPlan>();
  private readonly series = new Map<string, Series>();
  private readonly setIndex = new Map<string, number>();
  private readonly sdk!: Float64Array;
  private readonly dirty: Series[] = [];
  /** The series' accumulators, in creation order (series-arena.ts). */
  private readonly arena = new SeriesArena();
  /** Instances whose mmsc fields this flush read: their epoch moves once the chunk is read. */
  private readonly mmscRead: InstanceState[] = [];
  private readonly points = new MsgpackWriter();
  private readonly encoder = new BatchEncoder();
  private invalid = 0;
  private warned = false;
  private seq = 0;
  private lastFlush = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private channel: BroadcastChannel | undefined;
  private unsubscribe: (() => void) | undefined;
  /** Every thread's event rings (event-drain.ts). */
  private readonly eventDrain!: EventDrain;

  constructor(options: CollectorOptions = {}) {
    // Thread mode: what `new Collector` returns is the handle, which has this class's public surface.
    // biome-ignore lint/correctness/noConstructorReturn: `new Collector({ thread: true })` is the public API; the handle stands in for the collector
    if (options.thread ?? threadModeDefault()) return new CollectorHandle(options) as unknown as Collector;
    this.cadenceMs = options.cadenceMs ?? 1000;
    if (!(this.cadenceMs >= 1)) throw new RangeError(`cadenceMs must be >= 1, got ${options.cadenceMs}`);
    this.view = options.view ?? "aggregate";
    const specs = (options.exporters ?? []).filter(isExporterSpec);
    if (specs.length > 0)
      throw new TypeError(
        `exporter ${JSON.stringify(specs[0])} is a description, which only a collector in its own thread builds: pass thread: true, or an exporter object`,
      );
    this.exporters = (options.exporters ?? []) as readonly Exporter[];
    this.resource = defaultResource(options.resource);
    this.eventDrain = new EventDrain(options.eventClock);
    // Register this thread's SDK counters before listening, so reporting never adds instances mid-scan.
    this.sdk = threadRegistry().sdkCounters();
    this.listen();
  }

  /** Instances of this thread are seen at once; other threads' arrive over the channel (and re-announce on hello). */
  private listen(): void {
    this.unsubscribe = threadRegistry().subscribe((m) => this.onMessage(m));
    const channel = new BroadcastChannel(CHANNEL_NAME);
    channel.unref();
    channel.onmessage = (event) => this.onMessage((event as { data: ChannelMessage }).data);
    channel.postMessage({ t: "hello" });
    this.channel = channel;
  }

  /** Starts flushing every cadence. The timer does not keep the process alive; call shutdown() to flush at the end. */
  start(): this {
    if (this.timer) return this;
    this.timer = setInterval(() => this.collect(), this.cadenceMs);
    this.timer.unref();
    return this;
  }

  /**
   * Tells the collector a thread is gone, for workers stopped with terminate() (which skips the
   * worker's own exit notice): e.g. `worker.on("exit", () => collector.threadExited(worker.threadId))`.
   * Its regions are read for one more second, then released. piscina pools instrumented with
   * instrumentPool() do this by themselves.
   */
  threadExited(threadId: number): void {
    this.onMessage({ t: "exit", thread: threadId });
  }

  /** A registry message from a thread that cannot use the channel's ordering (the handle of a collector thread forwards its thread's). */
  receive(m: RegistryMessage): void {
    this.onMessage(m);
  }

  /** Threads and instances seen so far (instances of exited threads are released after their last read). */
  get stats(): { threads: number; instances: number; series: number } {
    let instances = 0;
    for (const t of this.threads.values()) instances += t.instanceIds.size;
    return { threads: this.threads.size, instances, series: this.series.size };
  }

  private onMessage(m: ChannelMessage | RegistryMessage): void {
    if (m.t === "hello") return;
    if (m.t === "ring" || m.t === "source" || m.t === "exit") this.eventDrain.onMessage(m);
    if (m.t === "ring" || m.t === "source") return;
    let thread = this.threads.get(m.thread);
    if (!thread) {
      thread = { chunks: new Map(), instanceIds: new Set(), exitedAt: undefined };
      this.threads.set(m.thread, thread);
    }
    if (m.t === "exit") thread.exitedAt ??= Date.now();
    else if (!thread.instanceIds.has(m.id)) {
      thread.instanceIds.add(m.id);
      this.track(thread, m);
    }
  }

  private track(thread: ThreadState, m: InstanceMessage): void {
    const d = m.descriptor;
    let plan = this.plans.get(d.name + "\u0000" + d.schemaHash);
    if (!plan) {
      plan = planSet(d);
      this.plans.set(plan.key, plan);
    }
    const attrs: AttrValue[] | null = m.overflow ? null : this.view === "thread" ? [...m.attrs, m.thread] : [...m.attrs];
    const key = this.view === "thread" ? `${plan.key}\u0000${m.thread}\u0000${m.id}` : `${plan.key}\u0000${m.overflow ? "overflow" : JSON.stringify(attrs)}`;
    let series = this.series.get(key);
    if (!series) {
      series = new Series(this.series.size + 1, plan, attrs, this.dirty, this.arena);
      this.series.set(key, series);
    }
    let chunk = thread.chunks.get(m.chunk);
    if (!chunk) {
      const values = new Float64Array(m.buffer);
      chunk = {
        values,
        base: new Float64Array(values.length),
        instances: [],
        sentinels: new Int32Array(1024),
        sentinelBase: new Float64Array(1024),
        sentinelOwner: new Int32Array(1024),
        sentinelKey: new Int32Array(1024),
        sentinelCount: 0,
      };
      thread.chunks.set(m.chunk, chunk);
    }
    const epoch = new Int32Array(m.buffer, (m.start + epochIndex(d.stride, d.slots)) * 8, 1);
    chunk.instances.push({ plan, start: m.start, series, epoch, mmscRead: false });
    this.watch(chunk, plan, m.start, chunk.instances.length - 1);
  }

  private watch(chunk: ChunkState, plan: SetPlan, start: number, owner: number): void {
    const { stride, slots } = plan.descriptor;
    const need = chunk.sentinelCount + slots * plan.fieldCount + 1;
    if (need > chunk.sentinels.length) {
      const size = Math.max(need, chunk.sentinels.length * 2);
      const n = chunk.sentinelCount;
      chunk.sentinels = grow(new Int32Array(size), chunk.sentinels, n);
      chunk.sentinelBase = grow(new Float64Array(size), chunk.sentinelBase, n);
      chunk.sentinelOwner = grow(new Int32Array(size), chunk.sentinelOwner, n);
      chunk.sentinelKey = grow(new Int32Array(size), chunk.sentinelKey, n);
    }
    const fields = plan.fieldCount;
    for (let s = 0; s < slots; s++) {
      for (let f = 0; f < fields; f++) {
        const k = chunk.sentinelCount++;
        const key = s * fields + f;
        chunk.sentinels[k] = start + s * stride + plan.sentinels[f];
        // Baseline 0 for sums (so counts made before the collector saw the instance are kept); NaN for gauges (never set).
        chunk.sentinelBase[k] = plan.kind[f] === KIND_GAUGE ? NaN : 0;
        chunk.sentinelOwner[k] = owner;
        chunk.sentinelKey[k] = key;
      }
    }
    const k = chunk.sentinelCount++;
    chunk.sentinels[k] = start + invalidIndex(stride, slots);
    chunk.sentinelBase[k] = 0;
    chunk.sentinelOwner[k] = owner;
    chunk.sentinelKey[k] = -1;
  }

  /** One flush: reads every region, exports a batch if anything changed. Synchronous. */
  collect(): ExportBatch | undefined {
    this.invalid = 0;
    const now = Date.now();
    // Before the metric regions: the drain counts its losses into SDK counters read below.
    const events = this.eventDrain.drain(now);
    for (const [id, thread] of this.threads) {
      for (const chunk of thread.chunks.values()) {
        this.readChunk(chunk);
        this.moveEpochs();
      }
      if (thread.exitedAt !== undefined && now - thread.exitedAt >= EXIT_GRACE_MS) this.threads.delete(id);
    }
    // Counted now, reported with the next flush (the SDK series was already read in this one).
    if (this.invalid > 0) this.sdk[SDK_INVALID] += this.invalid;
    const out = this.buildBatch(this.lastFlush, now, events);
    this.lastFlush = now;
    if (!out) return undefined;
    for (const e of this.exporters) {
      try {
        e.export(out);
      } catch (error) {
        // An exporter must not throw; if one does, the flush loop survives and the loss is counted.
        countDroppedBatches();
        if (!this.warned) console.error(`percore: exporter ${e.constructor.name} threw, batch ${out.header.seq} dropped for it:`, error);
        this.warned = true;
      }
    }
    return out;
  }

  private readChunk(chunk: ChunkState): void {
    const { values: v, sentinels, sentinelBase: sb, sentinelCount } = chunk;
    for (let k = 0; k < sentinelCount; k++) {
      const c = v[sentinels[k]];
      // NaN only ever means "gauge never set": not a change.
      if (c !== sb[k] && c === c) this.fold(chunk, k, c);
    }
  }

  /**
   * The next recording into an instance whose mmsc fields were just read starts a new min/max.
   * Done per chunk, right after reading it, to keep the window between the read and the move short.
   */
  private moveEpochs(): void {
    for (const inst of this.mmscRead) {
      inst.epoch[0] = (inst.epoch[0] + 1) | 0;
      inst.mmscRead = false;
    }
    this.mmscRead.length = 0;
  }

  /** Folds the field of sentinel `k` (current value `c`, which differs from its baseline) into its series. */
  private fold(chunk: ChunkState, k: number, c: number): void {
    const sb = chunk.sentinelBase;
    const key = chunk.sentinelKey[k];
    if (key < 0) {
      this.invalid += c - sb[k];
      sb[k] = c;
      return;
    }
    const { values: v, base: b } = chunk;
    const inst = chunk.instances[chunk.sentinelOwner[k]];
    const { plan, series, start } = inst;
    const acc = series.acc;
    // i: the sentinel's chunk element; r: the same element in the series' region-shaped accumulator.
    const i = chunk.sentinels[k];
    const r = i - start;
    switch (plan.kindOfKey[key]) {
      case KIND_COUNTER:
        // A double counter is one Float64: past 2^53 whole increments start to round away.
        if (c >= 2 ** 53) this.warnInexact(plan.descriptor.fields[plan.fieldOfKey[key]].name);
        acc[r] += c - sb[k];
        sb[k] = c;
        break;
      case KIND_COUNTER_INT: {
        // An int counter is [low, high] (see layout.ts). A carry read half-way (low written, high
        // not yet) reads below the baseline: skip it, the next flush reads both.
        const high = v[i + COUNTER_HIGH];
        const d = c - sb[k] + (high - b[i + COUNTER_HIGH]) * COUNTER_CARRY;
        if (d < 0) return;
        acc[r] += d;
        sb[k] = c;
        b[i + COUNTER_HIGH] = high;
        break;
      }
      case KIND_UP_DOWN:
        acc[r] += c - sb[k];
        sb[k] = c;
        break;
      case KIND_GAUGE:
        acc[r] = c;
        sb[k] = c;
        break;
      case KIND_HISTOGRAM: {
        // i is the count (written last by the recorder): buckets and sum read now include every
        // counted value. One run over the field's elements, chunk and accumulator side by side.
        for (let e = start + plan.startOfKey[key]; e < i; e++) {
          const x = v[e];
          acc[e - start] += x - b[e];
          b[e] = x;
        }
        sb[k] = c;
        break;
      }
      default: {
        // mmsc, i is the count: the recorder stores min/max, then sum, then count.
        const min = v[i + MMSC_MIN];
        const max = v[i + MMSC_MAX];
        const sum = v[i + MMSC_SUM];
        series.touch(key, true);
        if (!inst.mmscRead) {
          inst.mmscRead = true;
          this.mmscRead.push(inst);
        }
        acc[r] += c - sb[k];
        acc[r + MMSC_SUM] += sum - b[i + MMSC_SUM];
        sb[k] = c;
        b[i + MMSC_SUM] = sum;
        if (min < acc[r + MMSC_MIN]) acc[r + MMSC_MIN] = min;
        if (max > acc[r + MMSC_MAX]) acc[r + MMSC_MAX] = max;
        return;
      }
    }
    series.touch(key, false);
  }

  private readonly inexact = new Set<string>();

  /** Says once per metric that a double counter went past 2^53 (never silently). */
  private warnInexact(metric: string): void {
    if (this.inexact.has(metric)) return;
    this.inexact.add(metric);
    console.error(`percore: counter ${metric} passed 2^53; as a "double" counter it can no longer count by 1 exactly. Declare it with value: "int" (exact to 2^105).`);
  }

  /**
   * Sets the lowest severity recorded by the emitters of event group `group` ("*": all groups) in
   * every thread: one word in each ring's shared memory, read by every emit.
   */
  setLevel(group: string, level: Severity): void {
    this.eventDrain.setLevel(group, level);
  }

  private buildBatch(start: number, end: number, events: Uint8Array | undefined): ExportBatch | undefined {
    const w = this.points;
    w.reset();
    // At most one row per dirty series: a header sized for that is not moved (with the points behind it) at the end.
    const max = this.dirty.length;
    const rows = w.beginArray(max);
    let count = 0;
    const series: SeriesDecl[] = [];
    const sets: WireSetDescriptor[] = [];
    for (const s of this.dirty) {
      if (!s.drainInto(w)) continue;
      count++;
      if (!s.declared) {
        let index = this.setIndex.get(s.plan.key);
        if (index === undefined) {
          index = this.setIndex.size;
          this.setIndex.set(s.plan.key, index);
          sets.push(wireDescriptor(s.plan.descriptor, this.view === "thread"));
        }
        series.push([s.id, index, s.attrs]);
        s.declared = true;
      }
    }
    this.dirty.length = 0;
    if (count === 0 && !events) return undefined;
    w.endArray(rows, count, max);
    this.seq++;
    const header: BatchHeader = {
      v: WIRE_VERSION,
      stream: this.stream,
      seq: this.seq,
      start,
      end,
      ...(this.seq === 1 ? { open: { resource: this.resource, schemaHash: this.schemaHashes(), sdk: { name: "percore", version: VERSION }, view: this.view } } : {}),
      ...(sets.length ? { sets } : {}),
      ...(series.length ? { series } : {}),
      ...this.eventDrain.takeDeclarations(),
    };
    return new EncodedBatch(header, this.encoder.encode(header, w.written(), events));
  }

  private schemaHashes(): string {
    return [...new Set([...this.plans.values()].map((p) => p.descriptor.schemaHash))].sort().join(",");
  }

  /** Flushes now (after letting pending instance announcements arrive) and waits for the exporters. */
  async flush(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.collect();
    await Promise.all(this.exporters.map((e) => e.forceFlush?.()));
  }

  /** Stops the loop, flushes everything (including the SDK's own counts), and shuts the exporters down. */
  async shutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await new Promise((resolve) => setImmediate(resolve));
    this.collect();
    // A second pass reports the invalid values counted by the first.
    this.collect();
    this.unsubscribe?.();
    this.channel?.close();
    await this.eventDrain.close();
    await Promise.all(this.exporters.map((e) => e.shutdown?.()));
  }
}

/** A larger copy of the first `n` entries of `from` (the sentinel arrays grow as instances arrive). */
function grow<T extends Int32Array | Float64Array>(into: T, from: T, n: number): T {
  into.set(from.subarray(0, n));
  return into;
}
