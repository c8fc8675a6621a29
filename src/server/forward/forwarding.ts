// The server's remote-write forwarding: one Forwarder per destination, woken by each commit that
// stores points, stopped before the store closes. Its numbers join the server's /metrics.
import type { UnitMode } from "../../exposition/prometheus-naming.ts";
import type { ExpositionFormat } from "../../exposition/prometheus-text.ts";
import type { StreamState } from "../ingest/stream-state.ts";
import type { Store } from "../store/store.ts";
import { renderForwardMetrics } from "./forward-metrics.ts";
import { DEFAULT_FORWARD_LIMITS, Forwarder, type ForwardLimits } from "./forwarder.ts";
import { destinationName } from "./sender.ts";

export interface RemoteWriteOptions {
  readonly destinations: readonly { readonly url: string; readonly headers?: Readonly<Record<string, string>> }[];
  readonly limits?: Partial<ForwardLimits>;
  /** Labels added to every forwarded series that lacks them, e.g. server=<name> in a fleet. */
  readonly externalLabels?: Readonly<Record<string, string>>;
}

export class Forwarding {
  private readonly forwarders: Forwarder[];

  constructor(options: RemoteWriteOptions, store: Store, catalog: ReadonlyMap<number, StreamState>, units: UnitMode, log: (line: string) => void) {
    const limits = { ...DEFAULT_FORWARD_LIMITS, ...options.limits, externalLabels: options.externalLabels ?? {} };
    this.forwarders = options.destinations.map(
      (d) => new Forwarder({ url: d.url, name: destinationName(d.url), headers: d.headers ?? {} }, store, catalog, units, limits, log),
    );
  }

  async start(): Promise<void> {
    for (const f of this.forwarders) await f.start();
  }

  /** Called after each commit that stored batches, once their declarations are in the catalog. */
  wake(visible: number): void {
    for (const f of this.forwarders) f.wake(visible);
  }

  /** Stops sending; what is not confirmed stays pending in the store for the next start. */
  async stop(): Promise<void> {
    await Promise.all(this.forwarders.map((f) => f.stop()));
  }

  metrics(format: ExpositionFormat): string {
    return renderForwardMetrics(this.forwarders, format);
  }
}
