// Same-run A/B of two generated demo modules (before/after a generator change): every recording
// method of both, interleaved in one process, 300 rounds of 100,000 calls, best round per task, as
// ns and as a ratio to a raw Float64Array ++ measured in the same rounds. Separate instances and
// separate closures per side, so neither shares a region or an inline cache with the other.
//
//   git show main:examples/demo/telemetry.generated.ts | sed 's/checkRuntime(1)/checkRuntime(2)/' > .tmp/before.generated.ts
//   cp examples/demo/telemetry.generated.ts .tmp/after.generated.ts
//   node --conditions=source --import tsx bench/generated-ab.ts .tmp/before.generated.ts .tmp/after.generated.ts
//
// (The sed lets a module written for the previous runtime API load; it records into its own
// region, which is all this measures.)
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

type Demo = typeof import("../examples/demo/telemetry.generated.ts");
const [beforePath, afterPath] = process.argv.slice(2);
if (!beforePath || !afterPath) throw new Error("usage: generated-ab.ts <before.generated.ts> <after.generated.ts>");
const load = async (p: string) => (await import(pathToFileURL(resolve(p)).href)) as Demo;
const OPS = 100_000;
const M = Array.from({ length: 16 }, (_, i) => (["GET", "POST", "OTHER"] as const)[i % 3]);
const S = Array.from({ length: 16 }, (_, i) => (["2xx", "3xx", "4xx", "5xx"] as const)[(i >> 2) & 3]);
const MI = Array.from({ length: 16 }, (_, i) => i % 3);
const V = Array.from({ length: 1024 }, (_, i) => Math.round(-Math.log(1 - ((i * 7919) % 1024) / 1024) * 50 * 100) / 100);
const raw = new Float64Array(new SharedArrayBuffer(8 * 1024));

/** The tasks of one side; `new Function` gives each side its own closures (and inline caches). */
function tasks(G: Demo, route: string): Record<string, () => void> {
  const make = new Function(
    "G",
    "route",
    "OPS",
    "M",
    "S",
    "MI",
    "V",
    `
    const p = new G.Process(); const h = new G.HttpServer({ workerId: 0, route }); const b = M.map((m, i) => h.requests.at(m, S[i]));
    return {
      "counter inc()": () => { for (let i = 0; i < OPS; i++) p.tasks.inc(); },
      "counter add(n)": () => { for (let i = 0; i < OPS; i++) p.tasks.add(MI[i & 15]); },
      "counter inc(method, status)": () => { for (let i = 0; i < OPS; i++) h.requests.inc(M[i & 15], S[i & 15]); },
      "bound at(method, status).inc()": () => { for (let i = 0; i < OPS; i++) b[i & 15].inc(); },
      "int counter add(n, method, status)": () => { for (let i = 0; i < OPS; i++) h.payloadSize.add(MI[i & 15], M[i & 15], S[i & 15]); },
      "gauge set(v, method, status)": () => { for (let i = 0; i < OPS; i++) h.heapUsed.set(V[i & 1023], M[i & 15], S[i & 15]); },
      "histogram record(v, method, status)": () => { for (let i = 0; i < OPS; i++) h.duration.record(V[i & 1023], M[i & 15], S[i & 15]); },
      "mmsc record(v, method, status)": () => { for (let i = 0; i < OPS; i++) h.queueWait.record(V[i & 1023], M[i & 15], S[i & 15]); },
    };`,
  );
  return make(G, route, OPS, M, S, MI, V);
}

const A = tasks(await load(beforePath), "/ab-before");
const B = tasks(await load(afterPath), "/ab-after");
const best: Record<string, number> = {};
const time = (k: string, f: () => void) => {
  const t = process.hrtime.bigint();
  f();
  best[k] = Math.min(best[k] ?? Infinity, Number(process.hrtime.bigint() - t) / OPS);
};
for (let r = 0; r < 300; r++) {
  time("raw", () => {
    for (let i = 0; i < OPS; i++) raw[0]++;
  });
  for (const k of Object.keys(A)) time(`before ${k}`, A[k]), time(`after ${k}`, B[k]);
}
const f = (k: string) => `${best[k].toFixed(2)} | ${(best[k] / best.raw).toFixed(2)}`;
console.log(`raw Float64Array ++: ${best.raw.toFixed(2)} ns\n\n| task | before ns | x raw | after ns | x raw |\n|---|---:|---:|---:|---:|`);
for (const k of Object.keys(A)) console.log(`| ${k} | ${f(`before ${k}`)} | ${f(`after ${k}`)} |`);
