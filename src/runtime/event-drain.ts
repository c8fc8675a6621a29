// The collector's side of events: it learns of every thread's rings (event-ring.ts) over the
// registry channel, drains each ring every flush into msgpack event rows (strings copied as
// UTF-8 bytes, never decoded), frees the slots it read, ships the per-event drop and invalid
// counts as SDK metrics, and writes the level word of every ring of a group on setLevel().
// Rings of exited threads are drained for EXIT_GRACE_MS more, then released.
import type { EventGroupDescriptor } from "../schema/event-descriptor.ts";
import { RECORD_TAG, RECORD_TIME, RING_LEVEL, RING_READ, RING_WRITTEN, droppedIndex, invalidEventIndex, ringHeaderLength } from "../schema/event-layout.ts";
import { EventClock, type EventClockMode } from "./event-clock.ts";
import { SEVERITY_NUMBERS, type Severity } from "../schema/events.ts";
import type { EventGroupDecl, EventSourceDecl, WireEventGroup } from "../wire/batch.ts";
import { MsgpackWriter } from "../wire/msgpack-writer.ts";
import type { AttrValue, ExitMessage, RingMessage, SourceMessage } from "./channel.ts";
import { SDK_EVENTS_DESCRIPTOR, SDK_EVENTS_DROPPED, SDK_EVENTS_INVALID } from "./sdk-metrics.ts";
import { threadRegistry } from "./thread-registry.ts";

const EXIT_GRACE_MS = 1000;

/**
 * An event's fields as flat typed arrays: the descriptor's field objects differ in shape (strings
 * have maxLength and byteOffset, enums values), and reading them per event was the drain's main
 * cost (megamorphic property loads).
 */
interface EventPlan {
  readonly count: number;
  /** 0 number, 1 string, 2 boolean (enums travel as their index, a number). */
  readonly kind: Uint8Array;
  readonly slot: Int32Array;
  readonly byteOffset: Int32Array;
}

function planEvents(d: EventGroupDescriptor): EventPlan[] {
  return d.events.map((e) => ({
    count: e.fields.length,
    kind: Uint8Array.from(e.fields, (f) => (f.type === "string" ? 1 : f.type === "boolean" ? 2 : 0)),
    slot: Int32Array.from(e.fields, (f) => f.slot),
    byteOffset: Int32Array.from(e.fields, (f) => f.byteOffset ?? 0),
  }));
}

interface RingState {
  readonly plans: readonly EventPlan[];
  readonly thread: number;
  readonly descriptor: EventGroupDescriptor;
  readonly group: number;
  readonly f64: Float64Array;
  readonly u8: Uint8Array;
  readonly level: Int32Array;
  readonly capacity: number;
  readonly stride: number;
  readonly recordsAt: number;
  /** Record tag source -> stream-wide source id (undefined: not announced yet). */
  readonly sources: number[];
  /** Drop and invalid counts already shipped, per event. */
  readonly dropped: Float64Array;
  readonly invalid: Float64Array;
  /** Its id with the event clock, and its write count at the last drain (the clock's rate). */
  readonly clockId: number;
  lastWritten: number;
}

export class EventDrain {
  private readonly rings = new Map<string, RingState>();
  private readonly groups = new Map<string, number>();
  private readonly levels = new Map<string, number>();
  private readonly exited = new Map<number, number>();
  private readonly sdk = new Map<string, Float64Array>();
  private readonly out = new MsgpackWriter(256 * 1024);
  private nextSource = 0;
  /** Where emits take their time from (event-clock.ts). */
  private readonly clock: EventClock;
  /** Declarations made since the last batch that carried declarations. */
  groupDecls: EventGroupDecl[] = [];
  sourceDecls: EventSourceDecl[] = [];

  constructor(clock: EventClockMode = "auto") {
    this.clock = new EventClock(clock);
  }

  /** Stops the clock's ticker thread, if one started (the collector's shutdown). */
  async close(): Promise<void> {
    await this.clock.close();
  }

  onMessage(m: RingMessage | SourceMessage | ExitMessage): void {
    if (m.t === "exit") {
      if (!this.exited.has(m.thread)) this.exited.set(m.thread, Date.now());
      return;
    }
    const key = `${m.thread}:${m.ring}`;
    if (m.t === "ring") {
      if (this.rings.has(key)) return;
      const d = m.descriptor;
      const groupKey = d.name + "\u0000" + d.schemaHash;
      let group = this.groups.get(groupKey);
      if (group === undefined) {
        group = this.groups.size;
        this.groups.set(groupKey, group);
        this.groupDecls.push([group, wireGroup(d)]);
      }
      const level = new Int32Array(m.buffer, RING_LEVEL * 8, 1);
      const wanted = this.levels.get(d.name) ?? this.levels.get("*");
      if (wanted !== undefined) level[0] = wanted;
      this.rings.set(key, {
        plans: planEvents(d),
        thread: m.thread,
        descriptor: d,
        group,
        f64: new Float64Array(m.buffer),
        u8: new Uint8Array(m.buffer),
        level,
        capacity: m.capacity,
        stride: d.stride,
        recordsAt: ringHeaderLength(d.events.length),
        sources: [],
        dropped: new Float64Array(d.events.length),
        invalid: new Float64Array(d.events.length),
        clockId: this.clock.add(m.buffer),
        lastWritten: new Float64Array(m.buffer)[RING_WRITTEN]!,
      });
      return;
    }
    const ring = this.rings.get(key);
    if (!ring || ring.sources[m.source] !== undefined) return;
    const id = this.nextSource++;
    ring.sources[m.source] = id;
    this.sourceDecls.push([id, ring.group, [...m.attrs] as AttrValue[]]);
  }

  /** Sets the lowest severity recorded by every thread's emitters of `group` ("*": every group). */
  setLevel(group: string, level: Severity): void {
    const n = SEVERITY_NUMBERS[level];
    if (n === undefined) throw new RangeError(`unknown level ${JSON.stringify(level)}; use one of ${Object.keys(SEVERITY_NUMBERS).join(", ")}`);
    if (group === "*") this.levels.clear();
    this.levels.set(group, n);
    for (const r of this.rings.values()) if (group === "*" || r.descriptor.name === group) r.level[0] = n;
  }

  /** Drains every ring into event rows for a batch ending at `now`; returns the msgpack array of rows, or undefined when there were none. */
  drain(now: number): Uint8Array | undefined {
    const w = this.out;
    w.reset();
    const rows = w.beginArray();
    let count = 0;
    let emitted = 0;
    for (const [key, r] of this.rings) {
      const written = r.f64[RING_WRITTEN]!;
      emitted += written - r.lastWritten;
      r.lastWritten = written;
      count += this.drainRing(r, w, now);
      this.countLosses(r);
      const exitedAt = this.exited.get(r.thread);
      if (exitedAt !== undefined && now - exitedAt >= EXIT_GRACE_MS) {
        this.rings.delete(key);
        this.clock.remove(r.clockId);
      }
    }
    this.clock.observe(emitted, now);
    for (const [thread, at] of this.exited) if (now - at >= EXIT_GRACE_MS) this.exited.delete(thread);
    if (count === 0) return undefined;
    w.endArray(rows, count);
    return w.written();
  }

  /** `end` is the batch's end: times travel as offsets from it (small negative integers, 1 to 3 bytes). */
  private drainRing(r: RingState, w: MsgpackWriter, end: number): number {
    const { f64: f, u8, capacity, stride, recordsAt, sources, plans } = r;
    const written = f[RING_WRITTEN]!;
    let read = f[RING_READ]!;
    let count = 0;
    while (read < written) {
      const o = recordsAt + (read % capacity) * stride;
      const tag = f[o + RECORD_TAG]!;
      const event = tag % 256;
      const source = sources[(tag - event) / 256];
      // Its announcement is still on the way: leave it and what follows for the next flush.
      if (source === undefined) break;
      const p = plans[event]!;
      const { count: n, kind, slot, byteOffset } = p;
      let mask = 0;
      for (let k = 0; k < n; k++) if (kind[k] === 1 && f[o + slot[k]!]! < 0) mask |= 1 << k;
      w.arrayHeader(4 + n);
      w.number(source);
      w.number(event);
      w.number(f[o + RECORD_TIME]! - end);
      w.number(mask);
      for (let k = 0; k < n; k++) {
        const v = f[o + slot[k]!]!;
        const t = kind[k];
        if (t === 1) w.stringBytes(u8, o * 8 + byteOffset[k]!, v < 0 ? -v - 1 : v);
        else if (t === 2) w.boolean(v !== 0);
        else w.number(v);
      }
      read++;
      count++;
    }
    // Frees the slots read: only now may the writer reuse them.
    f[RING_READ] = read;
    return count;
  }

  private countLosses(r: RingState): void {
    const events = r.descriptor.events;
    for (let e = 0; e < events.length; e++) {
      const dropped = r.f64[droppedIndex(e)]!;
      const invalid = r.f64[invalidEventIndex(events.length, e)]!;
      if (dropped === r.dropped[e] && invalid === r.invalid[e]) continue;
      const c = this.counters(events[e]!.name);
      c[SDK_EVENTS_DROPPED] = c[SDK_EVENTS_DROPPED]! + dropped - r.dropped[e]!;
      c[SDK_EVENTS_INVALID] = c[SDK_EVENTS_INVALID]! + invalid - r.invalid[e]!;
      r.dropped[e] = dropped;
      r.invalid[e] = invalid;
    }
  }

  private counters(name: string): Float64Array {
    let c = this.sdk.get(name);
    if (!c) this.sdk.set(name, (c = threadRegistry().register(SDK_EVENTS_DESCRIPTOR, [name]).values));
    return c;
  }

  /** Every declaration so far, for a batch that must repeat them. */
  takeDeclarations(): { eventGroups?: EventGroupDecl[]; eventSources?: EventSourceDecl[] } {
    const out = { ...(this.groupDecls.length ? { eventGroups: this.groupDecls } : {}), ...(this.sourceDecls.length ? { eventSources: this.sourceDecls } : {}) };
    this.groupDecls = [];
    this.sourceDecls = [];
    return out;
  }
}

/** The wire form of a group: what a reader needs to decode and name its events. */
export function wireGroup(d: EventGroupDescriptor): WireEventGroup {
  return {
    name: d.name,
    brief: d.brief,
    schemaHash: d.schemaHash,
    attributes: d.attributes.map((a) => ({ name: a.name, type: a.type, brief: a.brief })),
    events: d.events.map((e) => ({
      name: e.name,
      type: e.type,
      severityNumber: e.severityNumber,
      severityText: e.severity.toUpperCase(),
      brief: e.brief,
      fields: e.fields.map((f) => ({
        name: f.name,
        type: f.type,
        brief: f.brief,
        ...(f.maxLength !== undefined ? { maxLength: f.maxLength } : {}),
        ...(f.values ? { values: f.values } : {}),
      })),
    })),
  };
}
