// Differential test: the same samples are remote-written to our server and to a real Prometheus
// 2.42, then every query of queries.ts is asked of both, instant (at times before, inside and
// after a gap and a staleness marker) and range (two grids), and compared result by result:
// same series, same label sets, values within 1e-9 relative. Queries both must refuse are checked
// too, and promtool (a real Go client of this API) must accept our answers.
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeWriteRequest } from "../../src/server/remote-write/remote-write-proto.ts";
import { PROMTOOL } from "../interop/helpers/tools.ts";
import { startServerProcess, tempStore, type ServerProcess } from "../server/helpers/server-process.ts";
import { generate, SPAN_MS } from "./helpers/generator.ts";
import { startPrometheus, type RealPrometheus } from "./helpers/prometheus.ts";
import { INSTANT_ONLY, ORDERED, QUERIES, REJECTED } from "./queries.ts";

let ours: ServerProcess;
let prom: RealPrometheus;
let base = 0;

interface Answer {
  status: string;
  errorType?: string;
  error?: string;
  data?: { resultType: string; result: unknown };
}

async function ask(url: string, path: string, params: Record<string, string>): Promise<Answer> {
  const res = await fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(params) });
  return (await res.json()) as Answer;
}

function close(a: string, b: string): boolean {
  if (a === b) return true;
  const x = Number(a),
    y = Number(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return false;
  return Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y)) || Math.abs(x - y) < 1e-12;
}

type Series = { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] };
const key = (m: Record<string, string>) => JSON.stringify(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1)));

/** Empty when equal; otherwise what differs. */
function diff(ourAnswer: Answer, theirs: Answer, ordered: boolean): string {
  if (theirs.status !== "success") return `Prometheus failed: ${theirs.error}`;
  if (ourAnswer.status !== "success") return `we failed: ${ourAnswer.errorType}: ${ourAnswer.error}`;
  const a = ourAnswer.data!,
    b = theirs.data!;
  if (a.resultType !== b.resultType) return `resultType ${a.resultType} vs ${b.resultType}`;
  if (a.resultType === "scalar" || a.resultType === "string") {
    const [ta, va] = a.result as [number, string],
      [tb, vb] = b.result as [number, string];
    return ta === tb && close(va, vb) ? "" : `${JSON.stringify(a.result)} vs ${JSON.stringify(b.result)}`;
  }
  let sa = a.result as Series[],
    sb = b.result as Series[];
  if (!ordered) {
    sa = [...sa].sort((x, y) => (key(x.metric) < key(y.metric) ? -1 : 1));
    sb = [...sb].sort((x, y) => (key(x.metric) < key(y.metric) ? -1 : 1));
  }
  if (sa.length !== sb.length)
    return `${sa.length} series vs ${sb.length}: ours ${sa.map((s) => key(s.metric)).join(" ")} theirs ${sb.map((s) => key(s.metric)).join(" ")}`;
  for (let i = 0; i < sa.length; i++) {
    if (key(sa[i].metric) !== key(sb[i].metric)) return `series ${i}: labels ${key(sa[i].metric)} vs ${key(sb[i].metric)}`;
    const pa = sa[i].values ?? [sa[i].value!],
      pb = sb[i].values ?? [sb[i].value!];
    if (pa.length !== pb.length) return `series ${key(sa[i].metric)}: ${pa.length} points vs ${pb.length}`;
    for (let j = 0; j < pa.length; j++) {
      if (pa[j][0] !== pb[j][0] || !close(pa[j][1], pb[j][1])) return `series ${key(sa[i].metric)} point ${j}: ${JSON.stringify(pa[j])} vs ${JSON.stringify(pb[j])}`;
    }
  }
  return "";
}

const instantTimes = () => [7, 25, 31.5, 41, 59.5].map((m) => String((base + m * 60_000) / 1000));
const ranges = () => [
  { start: String((base + 5 * 60_000) / 1000), end: String((base + SPAN_MS) / 1000), step: "60" },
  { start: String((base + 10 * 60_000 + 500) / 1000), end: String((base + 40 * 60_000) / 1000), step: "37" },
];

beforeAll(async () => {
  // Recent times: Prometheus's head only accepts samples within an hour or so of each other.
  base = Math.floor((Date.now() - SPAN_MS - 5 * 60_000) / 60_000) * 60_000;
  [ours, prom] = await Promise.all([startServerProcess({ store: tempStore("promql-diff") }), startPrometheus()]);
  const body = encodeWriteRequest({ timeseries: generate(base) });
  for (const url of [ours.url, prom.url]) {
    const res = await fetch(`${url}/api/v1/write`, {
      method: "POST",
      headers: { "content-type": "application/x-protobuf", "content-encoding": "snappy", "x-prometheus-remote-write-version": "0.1.0" },
      body,
    });
    expect(res.status, `${url}: ${await res.text()}`).toBe(204);
  }
}, 120_000);

afterAll(async () => {
  await prom?.stop();
  await ours?.stop("SIGKILL");
  if (ours) rmSync(dirname(ours.store), { recursive: true, force: true });
});

describe("PromQL against Prometheus 2.42", () => {
  it(`${QUERIES.length + ORDERED.length + INSTANT_ONLY.length} queries agree as instant queries at 5 times`, async () => {
    const mismatches: string[] = [];
    let empty = 0,
      total = 0;
    for (const q of [...QUERIES, ...ORDERED, ...INSTANT_ONLY]) {
      for (const time of instantTimes()) {
        const [a, b] = await Promise.all([ask(ours.url, "/api/v1/query", { query: q, time }), ask(prom.url, "/api/v1/query", { query: q, time })]);
        const d = diff(a, b, ORDERED.includes(q));
        if (d) mismatches.push(`${q} @${time}: ${d}`);
        total++;
        if (Array.isArray(b.data?.result) && (b.data.result as unknown[]).length === 0) empty++;
      }
    }
    expect(mismatches).toEqual([]);
    // Agreement on empty answers proves little: most answers must hold data.
    expect(empty / total).toBeLessThan(0.15);
  }, 600_000);

  it(`${QUERIES.length} queries agree as range queries on 2 grids`, async () => {
    const mismatches: string[] = [];
    for (const q of QUERIES) {
      for (const r of ranges()) {
        const [a, b] = await Promise.all([ask(ours.url, "/api/v1/query_range", { query: q, ...r }), ask(prom.url, "/api/v1/query_range", { query: q, ...r })]);
        const d = diff(a, b, false);
        if (d) mismatches.push(`${q} [${r.start}..${r.end}/${r.step}]: ${d}`);
      }
    }
    expect(mismatches).toEqual([]);
  }, 600_000);

  it(`${REJECTED.length} queries are refused by both, with the same error type`, async () => {
    const wrong: string[] = [];
    const time = instantTimes()[2];
    for (const q of REJECTED) {
      const [a, b] = await Promise.all([ask(ours.url, "/api/v1/query", { query: q, time }), ask(prom.url, "/api/v1/query", { query: q, time })]);
      if (b.status !== "error") wrong.push(`${q}: Prometheus accepted it`);
      else if (a.status !== "error" || a.errorType !== b.errorType) wrong.push(`${q}: ours ${a.status} ${a.errorType ?? ""}, Prometheus ${b.errorType} (${b.error})`);
      // Parse errors carry the same "invalid parameter" prefix and position.
      else if (/parse error/.test(b.error ?? "") && a.error?.split(": parse error")[0] !== b.error?.split(": parse error")[0])
        wrong.push(`${q}: ours "${a.error}", Prometheus "${b.error}"`);
    }
    for (const q of INSTANT_ONLY) {
      const r = ranges()[0];
      const [a, b] = await Promise.all([ask(ours.url, "/api/v1/query_range", { query: q, ...r }), ask(prom.url, "/api/v1/query_range", { query: q, ...r })]);
      if (b.status !== "error" || a.status !== "error" || a.errorType !== b.errorType) wrong.push(`range ${q}: ours ${a.errorType}, Prometheus ${b.errorType}`);
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  it("promtool query instant and range accept our answers", async () => {
    const promtool = PROMTOOL;
    if (!promtool) throw new Error("promtool is not installed: run .ci/install-prometheus.sh");
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const p = spawn(promtool, ["query", ...args], { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        p.stdout.on("data", (d: Buffer) => (out += d));
        p.stderr.on("data", (d: Buffer) => (out += d));
        p.on("exit", (code) => resolve({ code, out }));
      });
    const failures: string[] = [];
    const r = ranges()[0];
    // promtool's client cannot decode a "string" result (nor can it from Prometheus itself).
    for (const q of [...QUERIES, ...INSTANT_ONLY.filter((x) => !x.startsWith('"'))]) {
      const a = await run(["instant", `--time=${instantTimes()[4]}`, "--", ours.url, q]);
      if (a.code !== 0) failures.push(`instant ${q}: ${a.out}`);
    }
    for (const q of QUERIES) {
      const b = await run(["range", `--start=${r.start}`, `--end=${r.end}`, `--step=${r.step}s`, "--", ours.url, q]);
      if (b.code !== 0) failures.push(`range ${q}: ${b.out}`);
    }
    expect(failures).toEqual([]);
  }, 600_000);
});
