// Run-to-run spread of the worker-threads benchmark: reads the results JSON of several runs and
// prints one row per run and the spread (max - min) of each figure, the table bench/README.md
// quotes. Usage, five consecutive runs:
//   for i in 1 2 3 4 5; do npm run bench -- worker-threads && cp bench/results/worker-threads.json .tmp/wt-run-$i.json; done
//   node --import tsx bench/worker-threads-spread.ts .tmp/wt-run-*.json
import { readFileSync } from "node:fs";
import { YARDSTICK, type Analysis } from "./worker-threads-report.ts";

interface RunFile {
  readonly machine: { readonly date: string };
  readonly quick: boolean;
  readonly data: Analysis & { readonly loadBefore: string; readonly loadAfter: string; readonly seconds: number };
}

const files = process.argv.slice(2);
if (files.length < 2) {
  console.error("usage: node --import tsx bench/worker-threads-spread.ts <worker-threads.json> <worker-threads.json>...");
  process.exit(2);
}
const runs = files.map((f) => JSON.parse(readFileSync(f, "utf8")) as RunFile);
const quick = files.filter((_, i) => runs[i].quick);
if (quick.length) {
  console.error(`quick runs say nothing about speed: ${quick.join(", ")}`);
  process.exit(2);
}

const NAMES = [YARDSTICK, "percore", "prom-client", "OpenTelemetry"] as const;
const figure = (r: RunFile, name: string) => r.data.variants.find((v) => v.name === name)!;
const columns: { readonly title: string; readonly value: (r: RunFile) => number; readonly unit: "%" | "ns" | "µs" }[] = [
  { title: "off task µs", value: (r) => r.data.offNsPerTask / 1000, unit: "µs" },
  { title: "percore A in-task ns", value: (r) => figure(r, "percore").inTask.ns, unit: "ns" },
  { title: "percore B recordings ns", value: (r) => figure(r, "percore").recordings.ns, unit: "ns" },
  ...NAMES.flatMap((name) => [
    { title: `${name} total A`, value: (r: RunFile) => figure(r, name).totalPctA, unit: "%" as const },
    { title: `${name} total B`, value: (r: RunFile) => figure(r, name).totalPctB, unit: "%" as const },
  ]),
];
const show = (x: number, unit: string) => (unit === "%" ? `${x.toFixed(2)}%` : unit === "µs" ? x.toFixed(1) : x.toFixed(0));

console.log(`| run | loadavg before -> after | ${columns.map((c) => c.title).join(" | ")} |`);
console.log(`|---|---|${columns.map(() => "---:").join("|")}|`);
runs.forEach((r, i) => console.log(`| ${i + 1} | ${r.data.loadBefore} -> ${r.data.loadAfter} | ${columns.map((c) => show(c.value(r), c.unit)).join(" | ")} |`));
const spread = columns.map((c) => {
  const xs = runs.map(c.value);
  return `${show(Math.min(...xs), c.unit)}..${show(Math.max(...xs), c.unit)}`;
});
console.log(`| spread (min..max) | | ${spread.join(" | ")} |`);
const ours = runs.map((r) => figure(r, "percore"));
const halfWidths = ours.map((v, i) => ((v.inTask.ci95[1] - v.inTask.ci95[0]) / 2 / runs[i].data.offNsPerTask) * 100);
console.log(`\n- percore A's 95% interval within a run: ±${Math.min(...halfWidths).toFixed(3)}% to ±${Math.max(...halfWidths).toFixed(3)}% of the task`);
for (const key of ["totalPctA", "totalPctB"] as const) {
  const xs = ours.map((v) => v[key]);
  console.log(
    `- percore ${key === "totalPctA" ? "A" : "B"} total across runs: ${Math.min(...xs).toFixed(2)}%..${Math.max(...xs).toFixed(2)}% (spread ${(Math.max(...xs) - Math.min(...xs)).toFixed(2)} points)`,
  );
}
