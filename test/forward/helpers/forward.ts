// Shared pieces of the forwarding tests: an SDK service with known totals shipping to our server,
// and instant queries through a receiver's own query API.
import { ServerExporter } from "../../../src/export/server-exporter.ts";
import { Collector } from "../../../src/runtime/collector.ts";
import { exited, startWorker } from "../../helpers/workers.ts";
import type { RealPrometheus } from "../../promql/helpers/prometheus.ts";

export interface ServiceRun {
  readonly collector: Collector;
  readonly exporter: ServerExporter;
}

/**
 * Runs a service of `workers` workers, each recording `total` requests on `route`, shipping to
 * `url` over the WebSocket exporter; `during` runs alongside and can ask whether they finished.
 */
export async function runService(
  url: string,
  o: { route: string; service: string; workers: number; total: number; chunks: number; pauseMs: number; failover?: string[] },
  during?: (finished: () => boolean) => Promise<void>,
): Promise<ServiceRun> {
  const exporter = new ServerExporter({ url, failover: o.failover, timeoutMs: 60_000, backoffMs: { initial: 20, max: 300 } });
  const collector = new Collector({ cadenceMs: 20, exporters: [exporter], resource: { "service.name": o.service } }).start();
  const workers = Array.from({ length: o.workers }, (_, i) =>
    startWorker(new URL("../fixtures/service-worker.ts", import.meta.url), { total: o.total, chunks: o.chunks, pauseMs: o.pauseMs, workerId: i + 1, route: o.route }),
  );
  let finished = false;
  const done = Promise.all(workers.map(exited)).then(() => (finished = true));
  await Promise.all([done, during?.(() => finished)]);
  await collector.shutdown();
  return { collector, exporter };
}

/** One number from an instant query (NaN when the result is empty); VictoriaMetrics is flushed first. */
export async function instant(r: RealPrometheus, query: string): Promise<number> {
  await fetch(`${r.url}/internal/force_flush`).catch(() => undefined);
  const res = await fetch(`${r.url}/api/v1/query`, { method: "POST", body: new URLSearchParams({ query }) });
  const body = (await res.json()) as { status: string; data?: { result: { value: [number, string] }[] }; error?: string };
  if (body.status !== "success") throw new Error(`${query}: ${body.error}`);
  const first = body.data!.result[0];
  return first ? Number(first.value[1]) : NaN;
}

/** The server's own remote-write counters by family and destination, from its /metrics. */
export async function forwardCounters(serverUrl: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${serverUrl}/metrics`)).text();
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^(percore_remote_write_\w+)\{destination="([^"]*)"\} (\S+)$/gm)) out.set(`${m[1]} ${m[2]}`, Number(m[3]));
  return out;
}
