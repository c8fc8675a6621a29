// Forwarding through faults: our server SIGKILLed three times while an SDK service ships to it,
// then both receivers stopped for 10 s and restarted. The totals at Prometheus and
// VictoriaMetrics are still exact, and every stored point is a sample there (no gaps).
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPrometheus, startVictoriaMetrics, type RealPrometheus } from "../promql/helpers/prometheus.ts";
import { scalar, startServerProcess, tempStore, until, waitFor, type ServerProcess } from "../server/helpers/server-process.ts";
import { forwardCounters, instant, runService } from "./helpers/forward.ts";

let prom: RealPrometheus, vm: RealPrometheus;
const servers = new Set<ServerProcess>();
const file = tempStore("fwd-faults");

beforeAll(async () => {
  [prom, vm] = await Promise.all([startPrometheus(), startVictoriaMetrics()]);
}, 90_000);
afterAll(async () => {
  for (const s of servers) await s.stop("SIGKILL");
  await Promise.all([prom?.stop(), vm?.stop()]);
  rmSync(dirname(file), { recursive: true, force: true });
});

async function start(port?: number): Promise<ServerProcess> {
  const args = ["--remote-write", prom.writeUrl, "--remote-write", vm.writeUrl, "--remote-write-backoff", "500ms", "--remote-write-batch", "2000"];
  const s = await startServerProcess({ store: file, port, args });
  servers.add(s);
  void s.proc.once("exit", () => servers.delete(s));
  return s;
}

async function exactly(r: RealPrometheus, query: string, want: number): Promise<void> {
  let last = NaN;
  await until(async () => ((last = await instant(r, query)) === want ? true : undefined), `${r.writeUrl}: ${query} == ${want}`, 90_000).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}; last answer ${last}`);
  });
}

describe("forwarding through faults", () => {
  it("server SIGKILLed 3 times, then both receivers down for 10 s: totals exact at both, no gaps", async () => {
    let server = await start();
    const port = server.port;
    const total = 30_000;
    let killed = 0,
      outage = false;
    const faults = async (finished: () => boolean) => {
      let before = 0;
      for (let k = 0; k < 3; k++) {
        // Mid-stream: once this server has stored and forwarded a few more batches.
        await waitFor(async () => finished() || (await scalar(server.url, "SELECT count(*) FROM batches")) >= before + 5, `batches before kill ${k + 1}`, 60_000);
        before = await scalar(server.url, "SELECT count(*) FROM batches");
        await server.stop("SIGKILL");
        killed++;
        server = await start(port);
      }
      // Both receivers stop (flushing what they hold) for 10 s while the service keeps recording.
      await Promise.all([prom.stop({ keepData: true, signal: "SIGTERM" }), vm.stop({ keepData: true, signal: "SIGTERM" })]);
      const down = Date.now();
      // The server keeps ingesting, retries, and says how far behind it is.
      await until(async () => {
        const m = await forwardCounters(server.url);
        const failing = (r: RealPrometheus) => (m.get(`percore_remote_write_failed_requests_total ${r.writeUrl}`) ?? 0) > 0;
        const behind = (r: RealPrometheus) => (m.get(`percore_remote_write_lag_points ${r.writeUrl}`) ?? 0) > 0;
        return failing(prom) && failing(vm) && behind(prom) && behind(vm) ? true : undefined;
      }, "failed requests and lag at both while the receivers are down");
      await waitFor(() => Date.now() - down >= 10_000, "10 s of receiver downtime", 30_000);
      outage = true;
      await Promise.all([prom.restart(), vm.restart()]);
    };
    await runService(server.url, { route: "/faults", service: "fwd-faults", workers: 2, total, chunks: 600, pauseMs: 40 }, faults);
    expect(killed).toBe(3);
    expect(outage).toBe(true);
    for (const r of [prom, vm]) {
      await exactly(r, 'sum(http_server_requests_total{route="/faults"})', 2 * total);
      await exactly(r, 'sum(http_server_duration_seconds_count{route="/faults"})', 2 * total);
    }
    // No gaps: every point the store holds is a sample at each receiver.
    const points = await scalar(server.url, "SELECT count(*) FROM metric_points WHERE metric = 'http.server.requests'");
    for (const r of [prom, vm]) await exactly(r, 'sum(count_over_time(http_server_requests_total{route="/faults"}[1h]))', points);
    const c = await forwardCounters(server.url);
    for (const r of [prom, vm]) expect(c.get(`percore_remote_write_rejected_batches_total ${r.writeUrl}`)).toBe(0);
  }, 180_000);
});
