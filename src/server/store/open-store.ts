// The one place that picks a storage backend. Everything else sees the Store interface.
import { DuckDBStore } from "./duckdb-store.ts";
import type { StoreLimits } from "./store-limits.ts";
import type { Store } from "./store.ts";

export interface StoreOptions {
  /** Path of the database file. */
  readonly path: string;
  readonly readOnly?: boolean;
  readonly limits?: Partial<StoreLimits>;
}

export function openStore(options: StoreOptions): Promise<Store> {
  return DuckDBStore.open(options);
}

/** True when an open failed because another process holds the file (a running server). */
export function isLockedError(e: unknown): boolean {
  return /lock|Conflicting lock|being used/i.test(String((e as Error)?.message ?? e));
}
