// Group commit: everything accepted while one transaction runs goes into the next one. Under load
// a commit carries many batches (the Appender's rate, not one transaction per batch, bounds
// ingest); when idle a batch is committed as soon as it arrives. Acks wait for the commit, so an
// acknowledged sequence is on disk (in DuckDB's WAL) before the client hears about it.
import { PointRows } from "./point-rows.ts";
import type { BatchRecord, CommitResult, CommitUnit, NewStream, StoredEvent, Store } from "../store/store.ts";
import type { SeriesState, SetState } from "./stream-state.ts";

interface Waiter {
  resolve(r: CommitResult): void;
  reject(e: unknown): void;
}

export class PendingUnit implements CommitUnit {
  streams: NewStream[] = [];
  sets: { stream: number; set: SetState }[] = [];
  series: { stream: number; series: SeriesState; setName: string; attributes: Record<string, unknown> | null }[] = [];
  points = new PointRows();
  batches: BatchRecord[] = [];
  events: StoredEvent[] = [];
  progress = new Map<number, { lastSeq: number; points: number }>();
  closed: { stream: number; time: number | null }[] = [];
  /** Streams this unit touches: their in-memory state is rebuilt from the store if it fails. */
  touched = new Set<string>();
  bytes = 0;
  readonly waiters: Waiter[] = [];

  get empty(): boolean {
    return this.waiters.length === 0;
  }
}

export class CommitQueue {
  private next = new PendingUnit();
  private running: Promise<void> | undefined;
  private readonly exclusive: (() => Promise<void>)[] = [];

  constructor(
    private readonly store: Store,
    /** Called after a successful commit, before the waiters resolve. */
    private readonly onCommitted: (unit: PendingUnit, result: CommitResult) => void,
    /** Called after a failed commit, before the waiters reject. */
    private readonly onFailed: (unit: PendingUnit, error: unknown) => void,
  ) {}

  /** The unit being filled; callers add to it synchronously, then call `wait()`. */
  get current(): PendingUnit {
    return this.next;
  }

  get pendingBytes(): number {
    return this.next.bytes;
  }

  /** Resolves when the unit holding everything added so far is committed. */
  wait(): Promise<CommitResult> {
    const p = new Promise<CommitResult>((resolve, reject) => this.next.waiters.push({ resolve, reject }));
    this.kick();
    return p;
  }

  /** Runs `task` between two commits, on the writer (retention deletes). */
  runExclusive<T>(task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.exclusive.push(() => task().then(resolve, reject));
      this.kick();
    });
  }

  private kick(): void {
    this.running ??= this.loop().finally(() => {
      this.running = undefined;
      if (!this.next.empty || this.exclusive.length > 0) this.kick();
    });
  }

  private async loop(): Promise<void> {
    while (!this.next.empty || this.exclusive.length > 0) {
      while (this.exclusive.length > 0) await this.exclusive.shift()!();
      if (this.next.empty) continue;
      const unit = this.next;
      this.next = new PendingUnit();
      try {
        const result = await this.store.commit(unit);
        this.onCommitted(unit, result);
        for (const w of unit.waiters) w.resolve(result);
      } catch (e) {
        this.onFailed(unit, e);
        for (const w of unit.waiters) w.reject(e);
      }
    }
  }

  /** Resolves when nothing is pending or running. */
  async drain(): Promise<void> {
    while (this.running || !this.next.empty) {
      if (!this.next.empty && !this.running) this.kick();
      await this.running;
    }
  }
}
