// What every HTTP route handler receives: the server's parts and settings. Its own module so the
// route files (http-routes.ts, otlp-route.ts) depend on it and not on each other.
import type { UnitMode } from "../../exposition/prometheus-naming.ts";
import type { Cumulative } from "../query/cumulative.ts";
import type { Ingestor } from "../ingest/ingest.ts";
import type { Limits } from "../ingest/limits.ts";
import type { OtlpIngest } from "../otlp/otlp-ingest.ts";
import type { OtlpLogs } from "../otlp/otlp-logs.ts";
import type { EventTail } from "../tail/event-tail.ts";
import type { PromIndex } from "../remote-write/prom-index.ts";
import type { PromqlLimits } from "../promql/query.ts";
import type { Store } from "../store/store.ts";

export interface RouteContext {
  readonly ingest: Ingestor;
  readonly store: Store;
  readonly cumulative: Cumulative;
  readonly limits: Limits;
  readonly token?: string;
  readonly shuttingDown: () => boolean;
  /** How /metrics names scaled units (default "base": ms exposed as seconds). */
  readonly prometheusUnits?: UnitMode;
  /** OTLP ingest state (streams keyed by resource and scope, cumulative-to-delta baselines). */
  readonly otlp: OtlpIngest;
  /** OTLP logs into the events table. */
  readonly otlpLogs: OtlpLogs;
  /** Live tail subscribers, fed after each commit. */
  readonly tail: EventTail;
  /** Identity of the store file this server has open (store-identity.ts), for `query --store`. */
  readonly storeId?: string;
  /** Series pushed by remote write, and the PromQL limits. */
  readonly index: PromIndex;
  readonly promql: PromqlLimits;
}
