// What the parts of ingest share: the commit queue, the streams in memory, the limits, and the
// reasons to refuse new input before looking at it (shutting down, too much pending).
import type { CommitQueue, PendingUnit } from "./commit-queue.ts";
import { serverError, type ServerError } from "../errors.ts";
import type { Limits } from "./limits.ts";
import type { StreamCache } from "./stream-cache.ts";
import type { StreamState } from "./stream-state.ts";
import type { StoredEvent } from "../store/store.ts";

export interface ClientInfo {
  readonly remote?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface IngestHooks {
  log(line: string): void;
  /** Every commit that stored something, with the streams it touched (for the cumulative view). */
  committed(unit: PendingUnit, streams: ReadonlyMap<string, StreamState>): void;
  /** The events a commit stored (duplicates left out), after it committed: the live tail's feed. */
  eventsStored?(events: readonly StoredEvent[]): void;
}

export interface IngestCore {
  readonly queue: CommitQueue;
  readonly cache: StreamCache;
  readonly limits: Limits;
  readonly hooks: IngestHooks;
  /** Why nothing new can be accepted right now, if anything. */
  refusal(): ServerError | undefined;
}

export function refusalOf(stopped: boolean, queue: CommitQueue, limits: Limits): ServerError | undefined {
  if (stopped) return serverError("E_SHUTTING_DOWN", "server is shutting down");
  if (queue.pendingBytes > limits.maxPendingBytes) return serverError("E_BUSY", "ingest is behind; retry later");
  return undefined;
}

/** The part of a "stream opened/closed" log line that says whose stream it is. */
export function describeStream(state: StreamState, client: ClientInfo): string {
  const r = state.open?.resource;
  const parts = [`id=${state.id}`];
  if (r?.["service.name"] !== undefined) parts.push(`service=${String(r["service.name"])}`);
  if (r?.["service.instance.id"] !== undefined) parts.push(`instance=${String(r["service.instance.id"])}`);
  if (client.remote) parts.push(`remote=${client.remote}`);
  return parts.join(" ");
}
