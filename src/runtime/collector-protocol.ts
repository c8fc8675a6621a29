// The messages between a thread-mode collector's handle (main thread, collector-handle.ts) and
// the collector thread (collector-thread.ts). One generic command channel: every request is
// `{ id, cmd, arg }` and gets exactly one `{ t: "reply", id, ok, value | error }`, so a new
// command (e.g. setLevel) is one more entry in COMMANDS on the thread side and one method on the
// handle. The thread also sends unsolicited messages: each batch for the exporters that run on the
// main thread ("batch"), and "ready" once its exporters are built.
import type { Severity } from "../schema/events.ts";
import type { AttrValue, BatchHeader } from "../wire/batch.ts";
import type { RegistryMessage } from "./channel.ts";
import type { ExporterSpec } from "./exporter-spec.ts";

/** Everything the thread needs to build its collector (structured-cloneable). */
export interface ThreadStart {
  readonly cadenceMs?: number;
  readonly view?: "aggregate" | "thread";
  readonly resource: Readonly<Record<string, AttrValue>>;
  readonly stream: string;
  readonly specs: readonly ExporterSpec[];
  /** Whether exporter objects wait on the main thread for relayed batches. */
  readonly relay: boolean;
  /** Int32 words: [0] replies posted (Atomics.notify'd, for the handle's blocking requests). */
  readonly signal: SharedArrayBuffer;
  /** Options this file does not know (added by later features): passed through to the Collector as they are. */
  readonly extra: Readonly<Record<string, unknown>>;
}

/** Commands and what they answer; the thread implements each in collector-thread.ts. */
export interface Commands {
  /** A main-thread registry message (forwarded on this channel so it is ordered before later commands). */
  announce: { arg: RegistryMessage; value: undefined };
  start: { arg: undefined; value: undefined };
  /** One synchronous flush; the batch, if any. */
  collect: { arg: undefined; value: EncodedBatchMessage | undefined };
  flush: { arg: undefined; value: undefined };
  shutdown: { arg: undefined; value: undefined };
  threadExited: { arg: number; value: undefined };
  stats: { arg: undefined; value: CollectorStats };
  /** Collector.setLevel: the level words live in the rings' shared memory, so the thread writes them. */
  setLevel: { arg: { readonly group: string; readonly level: Severity }; value: undefined };
}

export type CommandName = keyof Commands;

export interface CollectorStats {
  readonly threads: number;
  readonly instances: number;
  readonly series: number;
}

export interface EncodedBatchMessage {
  readonly header: BatchHeader;
  readonly bytes: Uint8Array;
}

export interface Request<C extends CommandName = CommandName> {
  readonly t: "request";
  readonly id: number;
  readonly cmd: C;
  readonly arg: Commands[C]["arg"];
}

export type ThreadMessage =
  | { readonly t: "reply"; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly t: "reply"; readonly id: number; readonly ok: false; readonly error: { readonly code: string; readonly message: string } }
  | ({ readonly t: "batch" } & EncodedBatchMessage)
  | { readonly t: "ready" }
  /** A line the collector thread wrote with console.error/warn, printed by the handle (in order with the batches). */
  | { readonly t: "log"; readonly text: string }
  | { readonly t: "failed"; readonly error: { readonly code: string; readonly message: string } };

/** Index in the signal words of the reply counter. */
export const REPLIES = 0;
