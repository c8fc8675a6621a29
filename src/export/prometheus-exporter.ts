// Prometheus pull endpoint of the SDK: an exporter that keeps the cumulative view of what the
// collector flushed and serves it over node:http at /metrics (text format 0.0.4 or OpenMetrics
// 1.0, negotiated). The collector thread does the folding in export(); a scrape only formats.
//
//   const prom = new PrometheusExporter({ port: 9464, host: "127.0.0.1" });
//   new Collector({ exporters: [prom] }).start();
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Exporter, ExportBatch } from "../runtime/exporter.ts";
import type { UnitMode } from "../exposition/prometheus-naming.ts";
import { PrometheusState } from "./prometheus-state.ts";
import { OptionChecker } from "./exporter-options.ts";
import { countDroppedBatches } from "../runtime/sdk-counters.ts";
import { negotiate, renderExposition } from "../exposition/prometheus-text.ts";

export interface PrometheusExporterOptions {
  /** Default 9464 (the port OpenTelemetry's Prometheus exporters use); 0 picks a free one. */
  readonly port?: number;
  /** Default 127.0.0.1: exposing metrics beyond the machine is a decision, not a default. */
  readonly host?: string;
  /** Default "/metrics". */
  readonly path?: string;
  /** "base" (default): scaled units exposed in base units (ms -> seconds); "declared": as in the schema. */
  readonly units?: UnitMode;
  /** Do not listen; call render() yourself (for embedding into an existing HTTP server). */
  readonly noServer?: boolean;
}

export interface PrometheusExporterError {
  readonly code: "E_LISTEN";
  readonly message: string;
}

export class PrometheusExporter implements Exporter {
  readonly state: PrometheusState;
  private readonly server: Server | undefined;
  private readonly path: string;
  /** Resolves with the bound address once listening, or with an error value (never rejects). */
  readonly ready: Promise<{ url: string; port: number } | PrometheusExporterError>;

  /** Throws a TypeError naming the option when one is wrong; after that, never throws. */
  constructor(options: PrometheusExporterOptions = {}) {
    const check = new OptionChecker("PrometheusExporter");
    this.state = new PrometheusState(check.oneOf("units", options.units, ["base", "declared"] as const, "base"));
    this.path = check.string("path", options.path, "/metrics") ?? "/metrics";
    if (!this.path.startsWith("/")) check.fail("path", options.path, `a path starting with "/"`, `"/metrics"`);
    check.number("port", options.port, 9464, 0, 9464, true);
    if ((options.port ?? 0) > 65535) check.fail("port", options.port, "an integer from 0 to 65535", "9464");
    check.string("host", options.host, "127.0.0.1");
    if (options.noServer) {
      this.ready = Promise.resolve({ url: "", port: 0 });
      return;
    }
    const server = createServer((req, res) => this.handle(req, res));
    this.server = server;
    const host = options.host ?? "127.0.0.1";
    this.ready = new Promise((resolve) => {
      server.once("error", (e) => resolve({ code: "E_LISTEN", message: `cannot listen on ${host}:${options.port ?? 9464}: ${e.message}` }));
      server.listen(options.port ?? 9464, host, () => {
        const port = (server.address() as AddressInfo).port;
        resolve({ url: `http://${host.includes(":") ? `[${host}]` : host}:${port}${this.path}`, port });
      });
    });
  }

  export({ batch }: ExportBatch): void {
    try {
      this.state.apply(batch);
    } catch (e) {
      // Never throw into the collector: the batch is lost for this exporter, counted and said.
      countDroppedBatches(1);
      process.stderr.write(`percore: PrometheusExporter: batch ${batch.seq} dropped: ${(e as Error).message}\n`);
    }
  }

  /** The exposition as a scrape with this Accept header would get it. */
  render(accept?: string): { body: string; contentType: string } {
    const { format, contentType } = negotiate(accept);
    return { body: renderExposition(this.state.snapshot(), format), contentType };
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== this.path) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "E_NOT_FOUND", message: `no route ${path}; metrics are at ${this.path}` } }));
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { "content-type": "application/json", allow: "GET, HEAD" });
      res.end(JSON.stringify({ error: { code: "E_METHOD", message: `${req.method} not allowed on ${path}` } }));
      return;
    }
    const { body, contentType } = this.render(req.headers.accept);
    res.writeHead(200, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
    res.end(req.method === "HEAD" ? undefined : body);
  }

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {
    const server = this.server;
    if (!server?.listening) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
