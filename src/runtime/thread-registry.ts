// One registry per thread: it hands every metric-set instance a region of a SharedArrayBuffer
// that only this thread writes, and announces the region to the collector. Instance creation is
// the slow path (allocation, a Map lookup, a message); recording never touches the registry.
import { BroadcastChannel, isMainThread, threadId } from "node:worker_threads";
import type { MetricSetDescriptor } from "../schema/descriptor.ts";
import { epochIndex, initRegion, regionLength } from "../schema/layout.ts";
import { SDK_DESCRIPTOR, SDK_OVERFLOWED } from "./sdk-metrics.ts";
import { CHANNEL_NAME, type AttrValue, type ChannelMessage, type RegistryMessage } from "./channel.ts";
import type { EventGroupDescriptor } from "../schema/event-descriptor.ts";
import { EventRing, eventRingSize } from "./event-ring.ts";

/** Float64 elements per arena chunk (256 KiB); a region larger than a chunk gets a chunk of its own. */
const CHUNK_ELEMENTS = 32 * 1024;
/** Distinct overflowed attribute sets remembered per set and thread, to count each once. */
const OVERFLOW_KEYS_REMEMBERED = 10_000;

export interface Region {
  readonly values: Float64Array;
  /** Element 0: this instance's mmsc epoch, moved by the collector after it read the mmsc fields. */
  readonly epoch: Int32Array;
  readonly overflow: boolean;
}

type Listener = (message: RegistryMessage) => void;

export class ThreadRegistry {
  readonly thread = threadId;
  private chunk = new SharedArrayBuffer(CHUNK_ELEMENTS * 8);
  private chunkId = 0;
  private used = 0;
  private readonly byKey = new Map<string, Region>();
  private readonly liveBySet = new Map<string, number>();
  private readonly overflowBySet = new Map<string, Region>();
  private readonly overflowedKeys = new Map<string, Set<string>>();
  private readonly announced: RegistryMessage[] = [];
  private readonly rings = new Map<string, { ring: EventRing; id: number; sources: Map<string, number> }>();
  private readonly listeners = new Set<Listener>();
  private channel: BroadcastChannel | undefined;
  private local = false;
  /** Default limit of live instances per set per thread when the descriptor does not set one. */
  maxInstancesPerSet = 2000;

  register(descriptor: MetricSetDescriptor, attrs: readonly AttrValue[]): Region {
    checkAttributes(descriptor, attrs);
    const key = descriptor.name + "\u0000" + JSON.stringify(attrs);
    const existing = this.byKey.get(key);
    if (existing) return existing;
    const live = this.liveBySet.get(descriptor.name) ?? 0;
    const limit = descriptor.maxInstances > 0 ? descriptor.maxInstances : this.maxInstancesPerSet;
    if (live >= limit) return this.overflowRegion(descriptor, key);
    this.liveBySet.set(descriptor.name, live + 1);
    const region = this.allocate(descriptor, attrs, false);
    this.byKey.set(key, region);
    return region;
  }

  /**
   * The set's overflow instance. Counts each distinct attribute set folded into it once: the keys
   * seen are remembered up to OVERFLOW_KEYS_REMEMBERED per set (so memory stays bounded when
   * cardinality explodes); past that, every new key is counted, and a key seen before may count again.
   */
  private overflowRegion(descriptor: MetricSetDescriptor, key: string): Region {
    let seen = this.overflowedKeys.get(descriptor.name);
    if (!seen) this.overflowedKeys.set(descriptor.name, (seen = new Set()));
    if (!seen.has(key)) {
      if (seen.size < OVERFLOW_KEYS_REMEMBERED) seen.add(key);
      this.sdkCounters()[SDK_OVERFLOWED]!++;
    }
    let region = this.overflowBySet.get(descriptor.name);
    if (!region) {
      region = this.allocate(descriptor, [], true);
      this.overflowBySet.set(descriptor.name, region);
    }
    return region;
  }

  private allocate(descriptor: MetricSetDescriptor, attrs: readonly AttrValue[], overflow: boolean): Region {
    const length = regionLength(descriptor.stride, descriptor.slots);
    if (this.used + length > this.chunk.byteLength / 8) {
      this.chunk = new SharedArrayBuffer(Math.max(CHUNK_ELEMENTS, length) * 8);
      this.chunkId++;
      this.used = 0;
    }
    const start = this.used;
    this.used += length;
    const values = new Float64Array(this.chunk, start * 8, length);
    initRegion(values, descriptor.fields, descriptor.stride, descriptor.slots);
    const epoch = new Int32Array(this.chunk, (start + epochIndex(descriptor.stride, descriptor.slots)) * 8, 1);
    const region: Region = { values, epoch, overflow };
    const message: RegistryMessage = {
      t: "instance",
      thread: this.thread,
      id: this.announced.length,
      descriptor,
      attrs: [...attrs],
      overflow,
      buffer: this.chunk,
      chunk: this.chunkId,
      start,
      length,
    };
    this.announced.push(message);
    this.announce(message);
    return region;
  }

  /**
   * This thread's ring for an event group (created and announced on first use) and the record tag
   * of the emitter instance with these entity attributes (instances with equal attributes share one).
   */
  eventSource(descriptor: EventGroupDescriptor, attrs: readonly AttrValue[], capacity = eventRingSize()): { ring: EventRing; tag: number } {
    checkAttributes(descriptor, attrs);
    const key = descriptor.name + "\u0000" + descriptor.schemaHash;
    let entry = this.rings.get(key);
    if (!entry) {
      const ring = EventRing.create(descriptor, capacity);
      entry = { ring, id: this.rings.size, sources: new Map() };
      this.rings.set(key, entry);
      this.publish({ t: "ring", thread: this.thread, ring: entry.id, descriptor, buffer: ring.buffer, capacity });
    }
    const attrKey = JSON.stringify(attrs);
    let tag = entry.sources.get(attrKey);
    if (tag === undefined) {
      tag = entry.sources.size;
      entry.sources.set(attrKey, tag);
      this.publish({ t: "source", thread: this.thread, ring: entry.id, source: tag, attrs: [...attrs] });
    }
    return { ring: entry.ring, tag };
  }

  private publish(message: RegistryMessage): void {
    this.announced.push(message);
    this.announce(message);
  }

  /** This thread's SDK counters (see sdk-metrics.ts); only this thread writes them. */
  sdkCounters(): Float64Array {
    return this.register(SDK_DESCRIPTOR, []).values;
  }

  /** Same-thread collectors subscribe directly and get every instance so far, synchronously. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    for (const m of this.announced) listener(m);
    return () => this.listeners.delete(listener);
  }

  /**
   * Announces to same-thread collectors only, never on the process-wide channel. A collector's own
   * thread (thread: true) does this: its SDK counters belong to its collector alone; announced on
   * the channel, another collector in the process would pick them up and report them a second time.
   */
  keepLocal(): void {
    this.local = true;
  }

  private announce(message: RegistryMessage): void {
    for (const l of this.listeners) l(message);
    if (this.local) return;
    const channel = this.openChannel();
    channel.postMessage(message);
  }

  private openChannel(): BroadcastChannel {
    if (this.channel) return this.channel;
    const channel = new BroadcastChannel(CHANNEL_NAME);
    // Never keep a thread alive just to listen for collectors.
    channel.unref();
    channel.onmessage = (event) => {
      const m = (event as { data: ChannelMessage }).data;
      if (m.t === "hello") this.reannounce(channel);
    };
    if (!isMainThread) {
      // Tell the collector this thread is gone so it reads the regions one last time and lets go.
      process.once("exit", () => channel.postMessage({ t: "exit", thread: this.thread }));
    }
    this.channel = channel;
    return channel;
  }

  private reannounce(channel: BroadcastChannel): void {
    for (const m of this.announced) channel.postMessage(m);
  }
}

function checkAttributes(descriptor: MetricSetDescriptor | EventGroupDescriptor, attrs: readonly AttrValue[]): void {
  if (attrs.length !== descriptor.attributes.length) {
    throw new TypeError(`${descriptor.name}: expected ${descriptor.attributes.length} entity attributes, got ${attrs.length}`);
  }
  descriptor.attributes.forEach((a, i) => {
    const v = attrs[i];
    const ok =
      a.type === "string"
        ? typeof v === "string"
        : a.type === "boolean"
          ? typeof v === "boolean"
          : a.type === "int"
            ? Number.isSafeInteger(v)
            : typeof v === "number" && Number.isFinite(v);
    if (!ok) throw new TypeError(`${descriptor.name}: attribute ${a.name} (${a.key}) must be ${a.type}, got ${JSON.stringify(v)}`);
  });
}

let current: ThreadRegistry | undefined;

/** This thread's registry, created on first use. */
export function threadRegistry(): ThreadRegistry {
  current ??= new ThreadRegistry();
  return current;
}
