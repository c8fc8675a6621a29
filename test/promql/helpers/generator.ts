// A deterministic workload in the Prometheus data model, written to both our server and a real
// Prometheus: counters with resets, gauges with a gap longer than the lookback and a staleness
// marker, classic histograms (_bucket{le}, _sum, _count), several label sets and jittered scrape
// times (so windows do not line up with samples).
import type { RwLabel, RwSample } from "../../../src/server/remote-write/remote-write-proto.ts";

export interface GeneratedSeries {
  readonly labels: RwLabel[];
  readonly samples: RwSample[];
}

/** mulberry32: small, seedable, good enough for test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Prometheus's staleness marker, as a double with its exact bits. */
export const STALE_NAN = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0];

export const SCRAPE_MS = 15_000;
export const SPAN_MS = 60 * 60_000;

const lbl = (o: Record<string, string>): RwLabel[] => Object.entries(o).map(([name, value]) => ({ name, value }));

export function generate(base: number, seed = 42): GeneratedSeries[] {
  const r = rng(seed);
  const out: GeneratedSeries[] = [];
  const times = (phase: number, skip?: (t: number) => boolean): number[] => {
    const ts: number[] = [];
    for (let t = base + phase; t < base + SPAN_MS; t += SCRAPE_MS) if (!skip?.(t - base)) ts.push(t + Math.floor(r() * 400) - 200);
    return ts;
  };
  // Counters: 2 instances x 3 routes x 2 codes; some reset once.
  let k = 0;
  for (const instance of ["host-a:9100", "host-b:9100"]) {
    for (const route of ["/api", "/login", "/static"]) {
      for (const code of ["200", "500"]) {
        const resetAt = k % 4 === 1 ? SPAN_MS * (0.3 + 0.1 * (k % 3)) : Infinity;
        const rate = code === "200" ? 5 + r() * 20 : r() * 2;
        let v = Math.floor(r() * 100);
        const samples: RwSample[] = [];
        for (const t of times(1000 * (k % 7))) {
          if (t - base > resetAt && samples.length > 0 && samples[samples.length - 1].timestamp - base <= resetAt) v = Math.floor(r() * 3);
          else v += Math.floor(rate * (SCRAPE_MS / 1000) * (0.5 + r()));
          samples.push({ value: v, timestamp: t });
        }
        out.push({ labels: lbl({ __name__: "http_requests_total", job: "api", instance, route, code }), samples });
        k++;
      }
    }
  }
  // Irregular scrapes (5 to 40 s apart, sometimes minutes) with resets: every extrapolation branch of rate().
  for (const worker of ["w1", "w2", "w3"]) {
    const samples: RwSample[] = [];
    let v = Math.floor(r() * 50);
    for (let t = base + Math.floor(r() * 20_000); t < base + SPAN_MS; t += r() < 0.05 ? 90_000 + Math.floor(r() * 120_000) : 5000 + Math.floor(r() * 35_000)) {
      v = r() < 0.03 ? Math.floor(r() * 5) : v + Math.floor(r() * 30);
      samples.push({ value: v, timestamp: t });
    }
    out.push({ labels: lbl({ __name__: "jobs_processed_total", job: "worker", instance: "host-c:9100", worker }), samples });
  }
  // Gauges: a random walk per zone; "cold" has a 12-minute gap, "attic" ends with a staleness marker.
  for (const [i, zone] of ["hall", "cold", "attic", "cellar"].entries()) {
    let v = 15 + r() * 10;
    const skip = zone === "cold" ? (t: number) => t > 20 * 60_000 && t < 32 * 60_000 : undefined;
    const samples: RwSample[] = times(2000 * i, skip).map((timestamp) => ({ value: (v += (r() - 0.5) * 2), timestamp }));
    if (zone === "attic") {
      const cut = samples.findIndex((s) => s.timestamp - base > 40 * 60_000);
      samples.length = cut;
      samples.push({ value: STALE_NAN, timestamp: samples[cut - 1].timestamp + SCRAPE_MS });
    }
    out.push({ labels: lbl({ __name__: "room_temperature_celsius", job: "sensors", instance: "pi:9100", zone }), samples });
  }
  // Classic histograms: buckets are cumulative counters.
  const bounds = ["0.05", "0.1", "0.25", "0.5", "1", "+Inf"];
  for (const route of ["/api", "/login"]) {
    const counts = bounds.map(() => 0);
    let sum = 0;
    const ts = times(3000);
    const per: number[][] = ts.map(() => {
      const n = 5 + Math.floor(r() * 20);
      for (let j = 0; j < n; j++) {
        const x = r() ** 2 * (route === "/api" ? 0.8 : 2);
        sum += x;
        bounds.forEach((b, bi) => {
          if (b === "+Inf" || x <= Number(b)) counts[bi]++;
        });
      }
      return [...counts, sum];
    });
    bounds.forEach((le, bi) =>
      out.push({
        labels: lbl({ __name__: "http_request_duration_seconds_bucket", job: "api", instance: "host-a:9100", route, le }),
        samples: ts.map((t, i) => ({ value: per[i][bi], timestamp: t })),
      }),
    );
    out.push({
      labels: lbl({ __name__: "http_request_duration_seconds_sum", job: "api", instance: "host-a:9100", route }),
      samples: ts.map((t, i) => ({ value: per[i][bounds.length], timestamp: t })),
    });
    out.push({
      labels: lbl({ __name__: "http_request_duration_seconds_count", job: "api", instance: "host-a:9100", route }),
      samples: ts.map((t, i) => ({ value: per[i][bounds.length - 1], timestamp: t })),
    });
  }
  return out;
}
