// The one entry point generated code uses (`percore/codegen-runtime`). Keep it small and stable:
// the runtime behind it may change without regenerating user code, as long as RUNTIME_API_VERSION
// does not.
import type { MetricSetDescriptor } from "../schema/descriptor.ts";
import type { AttrValue } from "./channel.ts";
import { threadRegistry } from "./thread-registry.ts";
import { COUNTER_CARRY, COUNTER_HIGH } from "../schema/layout.ts";

import type { EventGroupDescriptor } from "../schema/event-descriptor.ts";
import type { EventRing } from "./event-ring.ts";

export type { MetricSetDescriptor } from "../schema/descriptor.ts";
export type { EventGroupDescriptor } from "../schema/event-descriptor.ts";
export type { EventRing } from "./event-ring.ts";

/** The generated-code contract version this runtime implements (2: counters are [low, high], see layout.ts). */
export const RUNTIME_API_VERSION = 2;

/** Called once by every generated module; fails early when the generator and runtime disagree. */
export function checkRuntime(version: number): void {
  if (version !== RUNTIME_API_VERSION) {
    throw new Error(
      `percore: generated code targets runtime API v${version}, this runtime implements v${RUNTIME_API_VERSION}; rerun telemetry-codegen with the installed percore`,
    );
  }
}

/** Base of every generated metric-set class: owns this thread's region for the instance. */
export abstract class MetricSetBase {
  /** The instance's slots; written only by this thread through the generated field classes. */
  protected readonly values: Float64Array;
  /** Element 0 is the collector's flush epoch (read by mmsc fields). */
  protected readonly epoch: Int32Array;
  /** True when the thread's instance limit was reached and this instance folded into the overflow instance. */
  readonly overflow: boolean;
  readonly descriptor: MetricSetDescriptor;

  protected constructor(descriptor: MetricSetDescriptor, attributes: readonly AttrValue[]) {
    const region = threadRegistry().register(descriptor, attributes);
    this.descriptor = descriptor;
    this.values = region.values;
    this.epoch = region.epoch;
    this.overflow = region.overflow;
  }
}

/** Options of a generated event emitter's constructor. */
export interface EmitterOptions {
  /** Records in this thread's ring for the group, when this instance creates it (default 16,384; see setEventRingSize). */
  readonly ringSize?: number;
}

/**
 * Base of every generated event-group class: holds this thread's ring for the group (one per
 * thread and group, shared by the group's instances) and this instance's record tag.
 */
export abstract class EventGroupBase {
  /** Written only by this thread through the generated emitters. */
  protected readonly ring: EventRing;
  /** Index of this instance's entity attributes in the ring's records. */
  protected readonly tag: number;
  /** The ring's level word (element 0), held directly: a disabled event costs one load and a compare. */
  protected readonly level: Int32Array;
  readonly descriptor: EventGroupDescriptor;

  protected constructor(descriptor: EventGroupDescriptor, attributes: readonly AttrValue[], options?: EmitterOptions) {
    const source = threadRegistry().eventSource(descriptor, attributes, options?.ringSize);
    this.descriptor = descriptor;
    this.ring = source.ring;
    this.tag = source.tag;
    this.level = source.ring.level;
  }
}

/**
 * The cold path of a counter increment (see layout.ts): adds `n` to the counter whose `low`
 * element is `v[i]` when `low + n` would reach 2^52, moving whole multiples of 2^52 into `high`.
 * Exact for whole numbers: every intermediate value stays below 2^53. `low` is written before
 * `high`, so a collector reading in between sees a value below the true one, never above, and
 * reads the rest at its next flush. `low` always changes (the collector watches it).
 */
export function counterCarry(v: Float64Array, i: number, n: number): void {
  const low = v[i]!;
  // low is below 2^53 (it exceeds 2^52 only after the adjustment below): split both into whole
  // multiples of 2^52 and a remainder below 2^52, so that the sum of the remainders is exact.
  let carry = Math.floor(n / COUNTER_CARRY);
  let next = n - carry * COUNTER_CARRY;
  if (low >= COUNTER_CARRY) {
    next += low - COUNTER_CARRY;
    carry++;
  } else next += low;
  if (next >= COUNTER_CARRY) {
    next -= COUNTER_CARRY;
    carry++;
  }
  if (next === low) {
    // n was a whole multiple of 2^52: keep low moving so the collector sees the change.
    next += COUNTER_CARRY;
    carry--;
  }
  v[i] = next;
  v[i + COUNTER_HIGH]! += carry;
}
