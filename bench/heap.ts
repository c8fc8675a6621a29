// Heap: 10M hot-path recordings (counters, histograms, mmsc, with measurement attributes) must not
// grow the heap. Needs --expose-gc (npm run bench passes it). A recording that allocated even
// 16 bytes would show up here as ~160 MB. The reading is taken for N/10 and N calls: a constant
// few KB (V8's own bookkeeping around the measurement) is not growth; growth scales with N.
import { HttpServer } from "../examples/demo/telemetry.generated.ts";
import { writeResult, type SuiteContext } from "./harness.ts";

const METHODS = ["GET", "POST", "OTHER"] as const;
const STATUSES = ["2xx", "3xx", "4xx", "5xx"] as const;

export default async function heap(ctx: SuiteContext): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("bench/heap needs node --expose-gc (use npm run bench)");
  const calls = ctx.quick ? 1_000_000 : 10_000_000;
  const http = new HttpServer({ workerId: 0, route: "/heap" });
  const record = (n: number) => {
    for (let i = 0; i < n; i++) {
      const m = METHODS[i % 3];
      const s = STATUSES[i & 3];
      switch (i & 3) {
        case 0:
          http.requests.inc(m, s);
          break;
        case 1:
          http.duration.record(i % 1500, m, s);
          break;
        case 2:
          http.queueWait.record(i % 97, m, s);
          break;
        default:
          http.inFlight.add(i & 1 ? 1 : -1, m, s);
      }
    }
  };
  // Warm up with a full round: optimised code, inline caches and on-stack-replacement code exist first.
  record(calls);
  const rows = [calls / 10, calls].map((n) => {
    gc();
    gc();
    const before = process.memoryUsage().heapUsed;
    record(n);
    gc();
    gc();
    const growth = process.memoryUsage().heapUsed - before;
    return { calls: n, before, growth, bytesPerCall: growth / n };
  });
  console.log(`\n## Heap growth over hot-path calls (after GC)\n`);
  console.log("| calls | heap before | growth after GC |");
  console.log("|---:|---:|---:|");
  for (const r of rows) console.log(`| ${r.calls.toLocaleString("en-US")} | ${(r.before / 1e6).toFixed(2)} MB | ${r.growth} bytes |`);
  const perCall = (rows[1].growth - rows[0].growth) / (rows[1].calls - rows[0].calls);
  console.log(`\n- growth per additional call: ${perCall.toFixed(5)} bytes (target 0)`);
  writeResult("heap", ctx, { rows, perCall });
}
