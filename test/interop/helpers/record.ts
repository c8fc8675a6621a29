// Records a fixed workload on the interop schema in this thread and says what the totals are,
// so every interop test (promtool, Prometheus, OTLP) checks exported values against the same
// numbers. The second route holds a quote, a backslash and a newline.
import { Api, Host } from "../fixtures/interop-schema.generated.ts";

export const ROUTES = ["/plain", 'C:\\dir "quoted"\nnext'] as const;
const DURATIONS = [0.5, 3, 7, 50, 500];

export interface Totals {
  /** Per route: requests (GET 2xx), requests (POST 5xx), bytes, in flight, duration count, duration sum (ms). */
  readonly perRoute: {
    requestsGet: number;
    requestsPost: number;
    bytes: number;
    inFlight: number;
    durationCount: number;
    durationSum: number;
    waitCount: number;
    waitSum: number;
  }[];
  readonly uptime: number;
  readonly heap: number;
}

/** Keeps the instances alive (the collector reads them while they exist). */
export const live: unknown[] = [];

let rounds = 0;
/**
 * Rounds recorded in this process so far. A collector created later still reads every instance
 * from zero (nothing recorded is lost), so it exports the totals of all rounds, not just its own.
 */
export const roundsRecorded = (): number => rounds;

export function recordWorkload(n = 1): Totals {
  rounds += n;
  const perRoute = ROUTES.map((route, i) => {
    const api = new Api({ route, workerId: i });
    live.push(api);
    let requestsGet = 0,
      requestsPost = 0,
      bytes = 0,
      durationCount = 0,
      durationSum = 0,
      waitCount = 0,
      waitSum = 0;
    for (let r = 0; r < n; r++) {
      for (let k = 0; k < 5 + i; k++) api.requests.inc("GET", "2xx"), requestsGet++;
      api.requests.add(2, "POST", "5xx");
      requestsPost += 2;
      api.bytesIn.add(1000 + i, "POST", "5xx");
      bytes += 1000 + i;
      for (const d of DURATIONS) api.duration.record(d, "GET", "2xx"), durationCount++, (durationSum += d);
      api.queueWait.record(2 + i, "GET", "2xx");
      api.queueWait.record(4, "GET", "2xx");
      waitCount += 2;
      waitSum += 6 + i;
      api.parse.record(42, "GET", "2xx");
    }
    api.inFlight.add(3, "GET", "2xx");
    api.inFlight.add(-1, "GET", "2xx");
    return { requestsGet, requestsPost, bytes, inFlight: 2, durationCount, durationSum, waitCount, waitSum };
  });
  const host = new Host();
  live.push(host);
  host.heap.set(2048);
  host.cpu.set(12.5);
  host.load.set(0.75);
  host.throughput.set(4096);
  host.uptime.add(30 * n);
  host.gcPause.add(1500);
  host.restarts.inc();
  return { perRoute, uptime: 30 * n, heap: 2048 };
}
