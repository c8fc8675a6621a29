// Shared benchmark plumbing: run tinybench tasks that each perform `ops` operations per call,
// report ns per operation and the ratio to a reference row, print a table, write JSON.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { Bench } from "tinybench";

export interface SuiteContext {
  /** Run briefly: proves the suite still runs, says nothing about speed. */
  readonly quick: boolean;
}

export interface BenchTask {
  readonly name: string;
  /** Operations performed by one call of fn (loops inside fn amortise the call overhead). */
  readonly ops: number;
  readonly fn: () => void;
}

export interface Row {
  readonly name: string;
  readonly nsPerOp: number;
  readonly rme: number;
  readonly ratio: number;
}

export async function measure(tasks: readonly BenchTask[], reference: string, ctx: SuiteContext): Promise<Row[]> {
  const bench = new Bench({ time: ctx.quick ? 20 : 700, warmupTime: ctx.quick ? 10 : 200 });
  for (const t of tasks) bench.add(t.name, t.fn);
  await bench.run();
  const raw = tasks.map((t) => {
    const task = bench.getTask(t.name);
    const r = task?.result as { period?: number; latency?: { rme?: number }; error?: unknown } | undefined;
    if (!r || r.period === undefined) throw new Error(`bench task ${t.name} failed: ${String(r?.error ?? "no result")}`);
    return { name: t.name, nsPerOp: (r.period * 1e6) / t.ops, rme: r.latency?.rme ?? 0 };
  });
  const ref = raw.find((r) => r.name === reference)?.nsPerOp ?? raw[0].nsPerOp;
  return raw.map((r) => ({ ...r, ratio: r.nsPerOp / ref }));
}

export function printTable(title: string, rows: readonly Row[], reference: string): void {
  console.log(`\n## ${title}\n`);
  console.log(`| task | ns/op | ± | x ${reference} |`);
  console.log("|---|---:|---:|---:|");
  for (const r of rows) console.log(`| ${r.name} | ${fmt(r.nsPerOp)} | ${r.rme.toFixed(1)}% | ${r.ratio.toFixed(2)} |`);
}

export const fmt = (ns: number): string => (ns >= 100 ? ns.toFixed(0) : ns >= 10 ? ns.toFixed(1) : ns.toFixed(2));

export function machine(): Record<string, string | number> {
  return { node: process.version, cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, date: new Date().toISOString().slice(0, 10) };
}

/** Writes bench/results/<suite>.json (quick runs go to <suite>.quick.tmp.json, ignored by git). */
export function writeResult(suite: string, ctx: SuiteContext, data: unknown): void {
  const dir = new URL("./results/", import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL(`${suite}${ctx.quick ? ".quick.tmp" : ""}.json`, dir);
  writeFileSync(file, JSON.stringify({ suite, machine: machine(), quick: ctx.quick, data }, null, 2) + "\n");
}
