// `npm run bench [-- <filter>...] [-- --quick]`: runs every suite whose name contains a filter.
import type { SuiteContext } from "./harness.ts";
import { machine } from "./harness.ts";

const SUITES: Record<string, () => Promise<{ default: (ctx: SuiteContext) => Promise<void> }>> = {
  "hot-path": () => import("./hot-path.ts"),
  flush: () => import("./flush.ts"),
  "event-loop-delay": () => import("./event-loop-delay.ts"),
  heap: () => import("./heap.ts"),
  "enum-dispatch": () => import("./enum-dispatch.ts"),
  "worker-threads": () => import("./worker-threads.ts"),
  "wire-size": () => import("./wire-size.ts"),
  "server-ingest": () => import("./server-ingest.ts"),
  "server-events": () => import("./server-events.ts"),
  scrape: () => import("./scrape.ts"),
  "query-isolation": () => import("./query-isolation.ts"),
  promql: () => import("./promql.ts"),
  "remote-write": () => import("./remote-write.ts"),
  forward: () => import("./forward.ts"),
  events: () => import("./events.ts"),
};

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const filters = args.filter((a) => !a.startsWith("--"));
const chosen = Object.keys(SUITES).filter((name) => filters.length === 0 || filters.some((f) => name.includes(f)));
if (chosen.length === 0) {
  console.error(`no suite matches ${filters.join(", ")}; suites: ${Object.keys(SUITES).join(", ")}`);
  process.exit(2);
}
console.log(`# percore benchmarks${quick ? " (quick: proves they run, not how fast)" : ""}`);
console.log(
  Object.entries(machine())
    .map(([k, v]) => `${k}: ${v}`)
    .join(", "),
);
for (const name of chosen) {
  const suite = await SUITES[name]();
  await suite.default({ quick });
}
