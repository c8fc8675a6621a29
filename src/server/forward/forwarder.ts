// Forwarding to one remote-write destination. The store is the queue: the forwarder reads what the
// commits after its cursor stored, one span of whole commits per request, and moves its cursor
// only once the receiver answered 2xx. Before a request goes out its span is recorded as in
// flight, so after a crash the first request repeats that span exactly (same rows, same bytes).
// One request at a time: a receiver sees each series' samples in time order. Ingest never waits
// for any of this; past the pending cap, spans are skipped (folded, not sent) and counted.
import type { UnitMode } from "../../exposition/prometheus-naming.ts";
import type { PointRows } from "../ingest/point-rows.ts";
import type { StreamState } from "../ingest/stream-state.ts";
import type { ForwardCursor, Store } from "../store/store.ts";
import { ForwardCounters } from "./forward-metrics.ts";
import { RequestBuilder, type BuiltRequest } from "./request-builder.ts";
import { alreadyStored, sendRequest, type Destination } from "./sender.ts";

export interface ForwardLimits {
  /** Points per request (whole commits: a larger commit goes alone). */
  readonly maxBatchPoints: number;
  /** Points waiting beyond the cursor before the oldest are skipped (counted as dropped). */
  readonly maxPendingPoints: number;
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  /** A request with no answer after this long is retried. */
  readonly timeoutMs: number;
}

export interface ForwardOptions extends ForwardLimits {
  /** Labels added to every forwarded series that lacks them (--remote-write-label). */
  readonly externalLabels: Readonly<Record<string, string>>;
}

export const DEFAULT_FORWARD_LIMITS: ForwardLimits = {
  maxBatchPoints: 20_000,
  maxPendingPoints: 50_000_000,
  backoffInitialMs: 250,
  backoffMaxMs: 30_000,
  timeoutMs: 30_000,
};

/** A span read: its last commit, its rows, where its requests are cut, and its first request. */
interface Span {
  readonly to: number;
  readonly rows: PointRows;
  readonly cuts: readonly number[];
  readonly first: BuiltRequest;
}

/**
 * Rows per request within one span: a commit larger than this (a backlog an exporter sent at once)
 * goes as several requests, so building one overlaps sending the one before. Cut only where the
 * time changes, so a series never has two samples at one time split over two requests; fixed (not
 * an option), so a resend after a restart with other options cuts the same requests.
 */
const REQUEST_POINTS = 200_000;

/** Where a span's requests start and end: rows [cuts[k], cuts[k + 1]). Only the rows decide. */
export function requestCuts(rows: PointRows, size = REQUEST_POINTS): number[] {
  const cuts = [0];
  for (let i = size; i < rows.length; i++) {
    if (rows.time[i] === rows.time[i - 1]) continue;
    cuts.push(i);
    i += size - 1;
  }
  cuts.push(rows.length);
  return cuts;
}

/** How often a failing destination is logged again while it keeps failing. */
const LOG_EVERY_MS = 30_000;
/** Caught up: look for new commits at least this often even without a wake-up. */
const IDLE_POLL_MS = 1000;

export class Forwarder {
  readonly counters = new ForwardCounters();
  private readonly builder: RequestBuilder;
  private cursor: ForwardCursor = { confirmed: 0, inflight: 0 };
  private stopped = false;
  private readonly abort = new AbortController();
  private wakeUp: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private lastLogged = 0;
  private visible: number;

  constructor(
    readonly destination: Destination,
    private readonly store: Store,
    catalog: ReadonlyMap<number, StreamState>,
    units: UnitMode,
    private readonly limits: ForwardOptions,
    private readonly log: (line: string) => void,
  ) {
    this.builder = new RequestBuilder(catalog, units, limits.externalLabels);
    this.visible = store.lastCommit();
  }

  /** Loads the cursor and the state it stands on, then forwards in the background. */
  async start(): Promise<void> {
    this.cursor = await this.store.forwardCursor(this.destination.name);
    this.builder.load(await this.store.cumulativeAt(this.cursor.confirmed));
    const resume = this.cursor.inflight > this.cursor.confirmed ? `; resending commits ${this.cursor.confirmed + 1}..${this.cursor.inflight}` : "";
    this.log(`remote write to ${this.destination.name}: from commit ${this.cursor.confirmed}${resume}`);
    this.running = this.loop().catch((e: unknown) => {
      if (!this.stopped) this.log(`remote write to ${this.destination.name} stopped: ${(e as Error).message}`);
    });
  }

  /**
   * Commits up to `visible` are stored and their streams' declarations known (the server calls
   * this after its commit hook has added them): the forwarder reads no further than that.
   */
  wake(visible: number): void {
    this.visible = visible;
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.wakeUp?.();
    await this.running;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    }).finally(() => (this.wakeUp = undefined));
  }

  private async loop(): Promise<void> {
    // A span recorded in flight before a crash is sent first, and counts as a resend.
    let resend = this.cursor.inflight > this.cursor.confirmed;
    let ahead: Span | undefined;
    while (!this.stopped) {
      const from = this.cursor.confirmed;
      let span = ahead;
      ahead = undefined;
      if (!span) {
        let to = this.cursor.inflight;
        const next = await this.store.forwardSpan(from, Math.max(this.visible, to), this.limits.maxBatchPoints);
        this.counters.pending(next.pendingPoints, next.oldestPendingAt);
        if (!resend) {
          if (next.to === from) {
            await this.sleep(IDLE_POLL_MS);
            continue;
          }
          to = next.to;
          if (next.pendingPoints > this.limits.maxPendingPoints) {
            await this.skip(from, to, next.pendingPoints);
            continue;
          }
          await this.save({ confirmed: from, inflight: to });
        }
        span = await this.read(from, to);
      }
      const to = span.to;
      // The span's requests one after the other; while the receiver takes one, the next is built,
      // and during the last one the next span is read and built (its fold state is this span's,
      // whatever the answers): it is recorded in flight only once this span is settled.
      let built = span.first;
      let nextSpan: Promise<Span | undefined> | undefined;
      for (let part = 0; ; part++) {
        if (built.unnamed > 0) this.log(`remote write to ${this.destination.name}: ${built.unnamed} points of commits ${from + 1}..${to} have no declarations; not sent`);
        const last = part + 2 >= span.cuts.length;
        const nextPart = last ? undefined : this.builder.build(span.rows, span.cuts[part + 1], span.cuts[part + 2]);
        if (last && built.series > 0) {
          nextSpan = this.readAhead(to);
          nextSpan.catch(() => undefined);
        }
        if (built.series > 0) await this.deliver(built.body, built.samples, from, to, resend);
        if (!nextPart || this.stopped) break;
        built = await nextPart;
      }
      ahead = nextSpan && (await nextSpan.catch(() => undefined));
      if (this.stopped) return;
      await this.save({ confirmed: to, inflight: ahead ? ahead.to : to });
      resend = false;
    }
  }

  /** A span's rows, where its requests are cut, and its first request built. */
  private async read(from: number, to: number): Promise<Span> {
    const rows = await this.store.forwardPoints(from, to);
    const cuts = requestCuts(rows);
    return { to, rows, cuts, first: await this.builder.build(rows, cuts[0], cuts[1]) };
  }

  /** The span after `from` as the loop would take it next, read and built; none when idle or past the cap. */
  private async readAhead(from: number): Promise<Span | undefined> {
    const span = await this.store.forwardSpan(from, this.visible, this.limits.maxBatchPoints);
    if (span.to === from || span.pendingPoints > this.limits.maxPendingPoints || this.stopped) return undefined;
    return this.read(from, span.to);
  }

  /** Sends until the receiver answers for good (delivered or rejected), or the pending cap is passed. */
  private async deliver(body: Uint8Array, samples: number, from: number, to: number, resend: boolean): Promise<void> {
    const name = this.destination.name;
    for (let attempt = 0; !this.stopped; attempt++) {
      const outcome = await sendRequest(this.destination, body, this.limits.timeoutMs, this.abort.signal);
      if (this.stopped) return;
      if (outcome.kind === "delivered" || (outcome.kind === "rejected" && resend && outcome.status === 400 && alreadyStored(outcome.reason))) {
        if (outcome.kind === "rejected") this.counters.resentStored++;
        this.counters.sent(samples, body.length);
        if (this.lastLogged > 0) this.log(`remote write to ${name}: delivering again after ${attempt} failed attempts`);
        this.lastLogged = 0;
        return;
      }
      if (outcome.kind === "rejected") {
        this.counters.rejected(samples);
        this.log(`remote write to ${name}: commits ${from + 1}..${to} (${samples} samples) rejected: ${outcome.reason}`);
        return;
      }
      // The receiver may have stored it before the answer was lost: from here on it is a resend.
      resend = true;
      this.counters.failedRequests++;
      const now = Date.now();
      if (now - this.lastLogged >= LOG_EVERY_MS) {
        this.lastLogged = now;
        this.log(`remote write to ${name}: commits ${from + 1}..${to} not delivered (${outcome.reason}); retrying with backoff`);
      }
      const span = await this.store.forwardSpan(from, this.visible, 1);
      this.counters.pending(span.pendingPoints, span.oldestPendingAt);
      if (span.pendingPoints > this.limits.maxPendingPoints) {
        this.counters.dropped(samples);
        this.log(
          `remote write to ${name}: ${span.pendingPoints} points pending exceed the cap of ${this.limits.maxPendingPoints}; commits ${from + 1}..${to} (${samples} samples) dropped`,
        );
        return;
      }
      await this.sleep(backoff(this.limits, attempt));
    }
  }

  /** Past the cap: the span is folded into the running state (later values stay right) but not sent. */
  private async skip(from: number, to: number, pending: number): Promise<void> {
    const built = await this.builder.build(await this.store.forwardPoints(from, to));
    this.counters.dropped(built.samples);
    this.log(
      `remote write to ${this.destination.name}: ${pending} points pending exceed the cap of ${this.limits.maxPendingPoints}; commits ${from + 1}..${to} (${built.samples} samples) dropped`,
    );
    await this.save({ confirmed: to, inflight: to });
  }

  private async save(c: ForwardCursor): Promise<void> {
    await this.store.saveForwardCursor(this.destination.name, c);
    this.cursor = c;
  }
}

/** Exponential from the initial delay, capped, with ±20% jitter so many servers do not retry in step. */
function backoff(l: ForwardLimits, attempt: number): number {
  const base = Math.min(l.backoffMaxMs, l.backoffInitialMs * 2 ** Math.min(attempt, 30));
  return base * (0.8 + 0.4 * Math.random());
}
