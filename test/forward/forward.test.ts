// Remote-write forwarding end to end: an SDK service with known totals -> our server (a real
// process) -> the real Prometheus 2.42 and VictoriaMetrics at the same time. The totals read back
// through each receiver's own query API equal the recorded totals exactly.
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPrometheus, startVictoriaMetrics, type RealPrometheus } from "../promql/helpers/prometheus.ts";
import { startServerProcess, tempStore, until, type ServerProcess } from "../server/helpers/server-process.ts";
import { forwardCounters, instant, runService } from "./helpers/forward.ts";

let prom: RealPrometheus, vm: RealPrometheus;
const servers = new Set<ServerProcess>();
const stores: string[] = [];

beforeAll(async () => {
  [prom, vm] = await Promise.all([startPrometheus(), startVictoriaMetrics()]);
}, 90_000);
afterAll(async () => {
  for (const s of servers) await s.stop("SIGKILL");
  await Promise.all([prom?.stop(), vm?.stop()]);
  for (const s of stores) rmSync(dirname(s), { recursive: true, force: true });
});

async function start(store: string, port?: number, extra: string[] = []): Promise<ServerProcess> {
  const s = await startServerProcess({ store, port, args: ["--remote-write", prom.writeUrl, "--remote-write", vm.writeUrl, ...extra] });
  servers.add(s);
  void s.proc.once("exit", () => servers.delete(s));
  return s;
}
const newStore = (name: string) => {
  const s = tempStore(name);
  stores.push(s);
  return s;
};

/** Waits until both receivers answer `query` with `want`. */
async function bothEqual(query: string, want: number): Promise<void> {
  for (const r of [prom, vm]) {
    await until(async () => ((await instant(r, query)) === want ? true : undefined), `${r.writeUrl}: ${query} == ${want}`, 60_000).catch(async (e: unknown) => {
      throw new Error(`${(e as Error).message}; last answer ${await instant(r, query)}`);
    });
  }
}

describe("forwarding to Prometheus and VictoriaMetrics", () => {
  it("an SDK service's totals arrive exactly at both receivers: counters, histogram counts and sums, with no gaps", async () => {
    const server = await start(newStore("fwd-exact"));
    const total = 20_000;
    await runService(server.url, { route: "/exact", service: "fwd-exact", workers: 2, total, chunks: 40, pauseMs: 10 });
    await bothEqual('sum(http_server_requests_total{route="/exact"})', 2 * total);
    await bothEqual('sum(http_server_duration_seconds_count{route="/exact"})', 2 * total);
    await bothEqual('sum(http_server_duration_seconds_bucket{route="/exact",le="+Inf"})', 2 * total);
    await bothEqual('sum(http_server_queue_wait_seconds_count{route="/exact"})', 2 * total);
    // Every stored point is a sample at the receiver: the counter's samples equal its stored points.
    const stored = await (await fetch(`${server.url}/api/v1/sql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sql: "SELECT count(*) FROM metric_points WHERE metric = 'http.server.requests'" }),
    }).then((r) => r.json())) as { rows: number[][] };
    const points = Number(stored.rows[0][0]);
    expect(points).toBeGreaterThan(20);
    await bothEqual('sum(count_over_time(http_server_requests_total{route="/exact"}[1h]))', points);
    // The server's own metrics say what was sent, and nothing is pending any more.
    const c = await until(async () => {
      const m = await forwardCounters(server.url);
      return m.get(`percore_remote_write_lag_points ${vm.writeUrl}`) === 0 ? m : undefined;
    }, "lag 0");
    for (const r of [prom, vm]) {
      expect(c.get(`percore_remote_write_sent_samples_total ${r.writeUrl}`)).toBeGreaterThan(points);
      expect(c.get(`percore_remote_write_rejected_batches_total ${r.writeUrl}`)).toBe(0);
      expect(c.get(`percore_remote_write_lag_seconds ${r.writeUrl}`)).toBe(0);
    }
  }, 120_000);
});
