// The collector: every cadence it reads the regions of every thread's instances, folds what
// changed since its own baseline into series, and hands one sparse batch to the exporters.
// It never writes a worker's values (single writer per slot); the only thing it writes in
// another thread's memory is that thread's control word, the mmsc epoch, which only it writes.
import { randomUUID } from "node:crypto";
import { BroadcastChannel } from "node:worker_threads";
import type { Exporter, ExportBatch } from "../export/exporter.ts";
import type { AttrValue, Batch, Resource, SeriesDecl, SeriesPoints, WireSetDescriptor } from "../wire/batch.ts";
import { WIRE_VERSION } from "../wire/batch.ts";
import { encodeBatch } from "../wire/codec.ts";
import { CHANNEL_NAME, type ChannelMessage, type InstanceMessage, type RegistryMessage } from "./channel.ts";
import { defaultResource } from "./resource.ts";
import { SDK_INVALID } from "./sdk-metrics.ts";
import { Series } from "./series.ts";
import { FOLD_DELTA, FOLD_FOLLOW, FOLD_LAST, planSet, wireDescriptor, type SetPlan } from "./set-plan.ts";
import { threadRegistry } from "./thread-registry.ts";
import { VERSION } from "./version.ts";

export interface CollectorOptions {
  /** Flush cadence in ms (default 1000). */
  readonly cadenceMs?: number;
  readonly exporters?: readonly Exporter[];
  /** "aggregate" (default): equal (set, attributes) merge across threads. "thread": one series per thread instance, with a thread.id attribute. */
  readonly view?: "aggregate" | "thread";
  /** Resource attributes merged over the defaults (service.name, service.instance.id, host.name, process.pid, ...). */
  readonly resource?: Readonly<Record<string, AttrValue>>;
}

interface InstanceState {
  readonly plan: SetPlan;
  readonly values: Float64Array;
  readonly base: Float64Array;
  readonly series: Series;
}

interface ThreadState {
  control: Int32Array | undefined;
  readonly instances: Map<number, InstanceState>;
  exited: boolean;
}

export class Collector {
  readonly cadenceMs: number;
  readonly view: "aggregate" | "thread";
  readonly resource: Resource;
  readonly stream = randomUUID();
  private readonly exporters: readonly Exporter[];
  private readonly threads = new Map<number, ThreadState>();
  private readonly plans = new Map<string, SetPlan>();
  private readonly series = new Map<string, Series>();
  private readonly setIndex = new Map<string, number>();
  private readonly sdk: Float64Array;
  private seq = 0;
  private epoch = 0;
  private lastFlush = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private channel: BroadcastChannel | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(options: CollectorOptions = {}) {
    this.cadenceMs = options.cadenceMs ?? 1000;
    if (!(this.cadenceMs >= 1)) throw new RangeError(`cadenceMs must be >= 1, got ${options.cadenceMs}`);
    this.view = options.view ?? "aggregate";
    this.exporters = options.exporters ?? [];
    this.resource = defaultResource(options.resource);
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

  /** Threads and instances seen so far (instances of exited threads are released after their last read). */
  get stats(): { threads: number; instances: number; series: number } {
    let instances = 0;
    for (const t of this.threads.values()) instances += t.instances.size;
    return { threads: this.threads.size, instances, series: this.series.size };
  }

  private onMessage(m: ChannelMessage | RegistryMessage): void {
    if (m.t === "hello") return;
    let thread = this.threads.get(m.thread);
    if (!thread) {
      thread = { control: undefined, instances: new Map(), exited: false };
      this.threads.set(m.thread, thread);
    }
    if (m.t === "thread") thread.control ??= new Int32Array(m.control);
    else if (m.t === "exit") thread.exited = true;
    else if (!thread.instances.has(m.id)) thread.instances.set(m.id, this.track(m));
  }

  private track(m: InstanceMessage): InstanceState {
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
      series = new Series(this.series.size + 1, plan, attrs);
      this.series.set(key, series);
    }
    const values = new Float64Array(m.buffer, m.start * 8, m.length);
    // Baseline 0 for sums (so counts made before the collector saw the instance are kept); NaN for gauges (never set).
    const base = new Float64Array(m.length);
    for (let s = 0; s < d.slots; s++) for (const f of d.fields) if (f.instrument === "gauge") base[s * d.stride + f.offset] = NaN;
    return { plan, values, base, series };
  }

  /** One flush: reads every region, exports a batch if anything changed. Synchronous. */
  collect(): ExportBatch | undefined {
    let invalid = 0;
    for (const [id, thread] of this.threads) {
      for (const inst of thread.instances.values()) invalid += this.read(inst);
      if (thread.control) thread.control[0] = this.epoch + 1;
      if (thread.exited) this.threads.delete(id);
    }
    this.epoch++;
    // Counted now, reported with the next flush (the SDK series was already read in this one).
    if (invalid > 0) this.sdk[SDK_INVALID] += invalid;
    const end = Date.now();
    const batch = this.buildBatch(this.lastFlush, end);
    this.lastFlush = end;
    if (!batch) return undefined;
    const out: ExportBatch = { batch, bytes: encodeBatch(batch) };
    for (const e of this.exporters) e.export(out);
    return out;
  }

  /** Folds one instance's changes into its series; returns how many invalid values it dropped since the last read. */
  private read(inst: InstanceState): number {
    const { values: v, base: b, plan, series } = inst;
    const n = v.length - 1;
    for (let i = 0; i < n; i++) {
      const c = v[i];
      // NaN only ever means "gauge never set": not a change.
      if (c !== b[i] && c === c) this.fold(inst, i, c);
    }
    const dropped = v[n] - b[n];
    b[n] = v[n];
    return dropped;
  }

  private fold(inst: InstanceState, i: number, c: number): void {
    const { values: v, base: b, plan, series } = inst;
    const stride = plan.descriptor.stride;
    const slot = (i / stride) | 0;
    const j = i - slot * stride;
    const fieldAt = i - j + plan.fieldStart[j];
    switch (plan.fold[j]) {
      case FOLD_DELTA:
        series.acc[i] += c - b[i];
        b[i] = c;
        series.touch(slot, plan.fieldOf[j], fieldAt);
        return;
      case FOLD_LAST:
        b[i] = c;
        series.acc[i] = c;
        series.touch(slot, plan.fieldOf[j], fieldAt);
        return;
      case FOLD_FOLLOW:
        b[i] = c;
        return;
      default: {
        // mmsc: the writer stores min/max, then sum, then count; fold only once the count moved
        // so min and max belong to values that are counted.
        const count = v[fieldAt];
        if (count === b[fieldAt]) return;
        const sum = v[fieldAt + 1];
        series.touch(slot, plan.fieldOf[j], fieldAt);
        const acc = series.acc;
        acc[fieldAt] += count - b[fieldAt];
        acc[fieldAt + 1] += sum - b[fieldAt + 1];
        b[fieldAt] = count;
        b[fieldAt + 1] = sum;
        const min = v[fieldAt + 2];
        const max = v[fieldAt + 3];
        if (min < acc[fieldAt + 2]) acc[fieldAt + 2] = min;
        if (max > acc[fieldAt + 3]) acc[fieldAt + 3] = max;
      }
    }
  }

  private buildBatch(start: number, end: number): Batch | undefined {
    const points: SeriesPoints[] = [];
    const series: SeriesDecl[] = [];
    const sets: WireSetDescriptor[] = [];
    for (const s of this.series.values()) {
      if (!s.pending) continue;
      const p = s.drain();
      if (!p) continue;
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
      points.push(p);
    }
    if (points.length === 0) return undefined;
    this.seq++;
    return {
      v: WIRE_VERSION,
      stream: this.stream,
      seq: this.seq,
      start,
      end,
      ...(this.seq === 1 ? { open: { resource: this.resource, schemaHash: this.schemaHashes(), sdk: { name: "percore", version: VERSION }, view: this.view } } : {}),
      ...(sets.length ? { sets } : {}),
      ...(series.length ? { series } : {}),
      points,
    };
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
    await Promise.all(this.exporters.map((e) => e.shutdown?.()));
  }
}
