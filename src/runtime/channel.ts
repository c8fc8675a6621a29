// The messages between a thread's registry (in every thread that records) and the collector.
// They travel on a process-wide BroadcastChannel, so workers need no wiring: creating an instance
// is enough for the collector to see it. Only metadata travels here; the values live in the
// SharedArrayBuffer that the message carries and the worker alone writes.
import { BroadcastChannel } from "node:worker_threads";
import type { MetricSetDescriptor } from "../schema/descriptor.ts";
import type { EventGroupDescriptor } from "../schema/event-descriptor.ts";

export const CHANNEL_NAME = "percore.telemetry.v1";

export type AttrValue = string | number | boolean;

export interface InstanceMessage {
  readonly t: "instance";
  readonly thread: number;
  /** Per-thread instance number. */
  readonly id: number;
  readonly descriptor: MetricSetDescriptor;
  /** Entity attribute values in descriptor order; empty for the overflow instance. */
  readonly attrs: readonly AttrValue[];
  readonly overflow: boolean;
  /** The thread's arena chunk holding the region (whole), and its per-thread number. */
  readonly buffer: SharedArrayBuffer;
  readonly chunk: number;
  /** Offset and length of the region, in Float64 elements. */
  readonly start: number;
  readonly length: number;
}

/** A thread's event ring for one group (see event-ring.ts); `ring` numbers the thread's rings. */
export interface RingMessage {
  readonly t: "ring";
  readonly thread: number;
  readonly ring: number;
  readonly descriptor: EventGroupDescriptor;
  readonly buffer: SharedArrayBuffer;
  readonly capacity: number;
}

/** An emitter instance: its entity attribute values, and its index in the ring's record tags. */
export interface SourceMessage {
  readonly t: "source";
  readonly thread: number;
  readonly ring: number;
  readonly source: number;
  readonly attrs: readonly AttrValue[];
}

/**
 * Sent when a thread exits (by the thread itself, or by whoever terminated it): its regions stay
 * readable; the collector keeps reading them a little longer and lets go.
 */
export interface ExitMessage {
  readonly t: "exit";
  readonly thread: number;
}

/** From a collector that has just started: every registry re-announces its thread and instances. */
export interface HelloMessage {
  readonly t: "hello";
}

export type RegistryMessage = InstanceMessage | ExitMessage | RingMessage | SourceMessage;
export type ChannelMessage = RegistryMessage | HelloMessage;

/** Announces from any thread that `thread` is gone (terminate() skips the worker's own notice). */
export function announceThreadExit(thread: number): void {
  const channel = new BroadcastChannel(CHANNEL_NAME);
  channel.postMessage({ t: "exit", thread } satisfies ExitMessage);
  channel.close();
}
