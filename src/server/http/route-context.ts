// What every HTTP route handler receives: the server's parts and settings. Its own module so the
// route files (http-routes.ts, otlp-route.ts) depend on it and not on each other.
import type { UnitMode } from "../../exposition/prometheus-naming.ts";
import type { ExpositionFormat } from "../../exposition/prometheus-text.ts";
import type { Cumulative } from "../query/cumulative.ts";
import type { Ingestor } from "../ingest/ingest.ts";
import type { Limits } from "../ingest/limits.ts";
import type { OtlpIngest } from "../otlp/otlp-ingest.ts";
import type { OtlpLogs } from "../otlp/otlp-logs.ts";
import type { EventTail } from "../tail/event-tail.ts";
import type { PromIndex } from "../remote-write/prom-index.ts";
import type { PromqlPool } from "../promql/promql-pool.ts";
import type { SampleHead } from "../promql/sample-head.ts";
import type { HeadReader } from "../promql/store-reads.ts";
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
  /** The remote-write forwarders' own metrics, appended to /metrics (absent: no --remote-write). */
  readonly forwardMetrics?: (format: ExpositionFormat) => string;
  /** The worker threads PromQL queries run on (absent with --promql-workers 0: the main thread). */
  readonly promqlPool?: PromqlPool;
  /** Recent remote-written samples in memory (absent with --promql-head-samples 0), and its reader. */
  readonly head?: SampleHead;
  readonly headReader?: HeadReader;
}
