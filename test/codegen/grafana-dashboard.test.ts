// `telemetry-codegen --grafana`: the dashboard for the demo schema type-checks against Grafana's
// own Dashboard type (@grafana/schema), and every panel query, with the variables substituted the
// way Grafana substitutes them, succeeds with data on a real telemetry server that an SDK service
// (Collector + ServerExporter, the demo schema's generated classes) shipped deltas to.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpServer, Process } from "../../examples/demo/telemetry.generated.ts";
import { ServerExporter } from "../../src/export/server-exporter.ts";
import { Collector } from "../../src/runtime/collector.ts";
import { samples } from "../promql/helpers/exposition.ts";
import { serverPool, until, type ServerProcess } from "../server/helpers/server-process.ts";
import { DEMO_SCHEMA, ROOT, runInProcess, scratchDir } from "./helpers.ts";

interface Target {
  expr: string;
  refId: string;
}
interface Panel {
  type: string;
  title: string;
  targets?: Target[];
}
interface Variable {
  name: string;
  type: string;
  query: string;
  allValue?: string;
}
interface Dashboard {
  description: string;
  templating: { list: Variable[] };
  panels: Panel[];
}

const pool = serverPool();
let server: ServerProcess;
let dir: string;
let text: string;
let dashboard: Dashboard;
let from = 0;
// The SDK's metrics show as if scraped every second (--promql-native-interval 1s), so a short
// test has many grid points; Grafana's $__rate_interval for a 1 s step and 1 s scrape interval is
// max(step + scrape, 4 x scrape) = 4 s.
const STEP = "1s";
const RATE_INTERVAL = "4s";

/** Grafana's regex escaping of a variable value inside `=~"..."`. */
const regexEscape = (v: string): string => v.replace(/[\\^$*+?.()|[\]{}]/g, "\\$&");

/** The expression Grafana sends: built-in intervals and every template variable replaced. */
function substitute(expr: string, values: Readonly<Record<string, string>>): string {
  let out = expr.replaceAll("$__rate_interval", RATE_INTERVAL).replaceAll("$__interval", STEP);
  for (const [name, value] of Object.entries(values)) out = out.replaceAll(`\${${name}}`, value).replaceAll(`$${name}`, value);
  if (out.includes("$")) throw new Error(`unsubstituted variable in ${out}`);
  return out;
}

async function api(path: string, params: Record<string, string>): Promise<any> {
  const res = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params),
  });
  return res.json();
}

const panels = (): Panel[] => dashboard.panels.filter((p) => p.type !== "row");
const labelVariables = (): Variable[] => dashboard.templating.list.filter((v) => v.type === "query");

/** Runs every target of every panel as a range query; returns the failures (empty when all succeeded with data). */
async function runAll(values: Readonly<Record<string, string>>): Promise<string[]> {
  const failures: string[] = [];
  const end = Date.now() / 1000;
  for (const p of panels())
    for (const t of p.targets ?? []) {
      const query = substitute(t.expr, values);
      const r = await api("/api/v1/query_range", { query, start: String(from / 1000), end: String(end), step: STEP });
      if (r.status !== "success") failures.push(`${p.title} ${t.refId}: ${query}: ${r.error}`);
      else if (r.data.result.length === 0) failures.push(`${p.title} ${t.refId}: ${query}: no series`);
    }
  return failures;
}

beforeAll(async () => {
  dir = scratchDir("grafana");
  const out = join(dir, "dashboard.json");
  const run = runInProcess([DEMO_SCHEMA, "--out", join(dir, "demo.generated.ts"), "--grafana", out]);
  expect(run.stderr).toBe("");
  text = readFileSync(out, "utf8");
  dashboard = JSON.parse(text);

  server = await pool.start("grafana-dashboard", ["--promql-native-interval", "1s"]);
  const collector = new Collector({ exporters: [new ServerExporter({ url: server.url })], resource: { "service.name": "grafana-demo" } });
  const sets = [0, 1].flatMap((workerId) => ["/a", "/b"].map((route) => new HttpServer({ workerId, route })));
  const proc = new Process();
  from = Date.now() - 2_000;
  // Records and flushes until the server has stored six seconds of flushes: rates need several
  // grid points inside the 4 s window.
  let round = 0;
  await until(
    async () => {
      round++;
      for (const s of sets) {
        s.requests.add(round, "GET", "2xx");
        s.requests.inc("POST", "5xx");
        s.payloadSize.add(100 * round, "GET", "2xx");
        s.inFlight.add(1, "GET", "2xx");
        s.heapUsed.set(1_000_000 + round, "GET", "2xx");
        s.duration.record(3 + (round % 40), "GET", "2xx");
        s.duration.record(120, "POST", "5xx");
        s.queueWait.record(2 + (round % 5), "GET", "2xx");
      }
      proc.tasks.add(round);
      await collector.flush();
      return Date.now() - from > 8_000 ? true : undefined;
    },
    "six seconds of flushes",
    60_000,
  );
  await collector.shutdown();
}, 120_000);

afterAll(() => pool.cleanup());

describe("telemetry-codegen --grafana", () => {
  it("writes one row per metric set and one panel per metric, with instrument-appropriate queries", () => {
    expect(dashboard.panels.filter((p) => p.type === "row").map((p) => p.title)).toEqual(["http.server", "process.worker: Per-process counters without attributes"]);
    const byTitle = Object.fromEntries(panels().map((p) => [p.title, (p.targets ?? []).map((t) => t.expr)]));
    const sel = '{job=~"$job", worker_id=~"$worker_id", route=~"$route"}';
    expect(byTitle).toEqual({
      "http.server.requests": [`sum by (method, status) (rate(http_server_requests_total${sel}[$__rate_interval]))`],
      "http.server.payload_size": [`sum by (method, status) (rate(http_server_payload_size_bytes_total${sel}[$__rate_interval]))`],
      "http.server.in_flight": [`sum by (method, status) (http_server_in_flight${sel})`],
      "http.server.heap_used": [`http_server_heap_used_bytes${sel}`],
      "http.server.duration": ["0.5", "0.9", "0.99"].map(
        (q) => `histogram_quantile(${q}, sum by (le, method, status) (rate(http_server_duration_seconds_bucket${sel}[$__rate_interval])))`,
      ),
      "http.server.queue_wait": [
        `sum by (method, status) (rate(http_server_queue_wait_seconds_sum${sel}[$__rate_interval])) / sum by (method, status) (rate(http_server_queue_wait_seconds_count${sel}[$__rate_interval]))`,
      ],
      "process.worker.tasks": ['sum(rate(process_worker_tasks_total{job=~"$job"}[$__rate_interval]))'],
    });
    expect(dashboard.templating.list.map((v) => [v.name, v.type])).toEqual([
      ["datasource", "datasource"],
      ["job", "query"],
      ["worker_id", "query"],
      ["route", "query"],
    ]);
    expect(dashboard.description).toMatch(/source: \.\.\/\.\.\/\.\.\/\.\.\/examples\/demo\/schema\.ts$/);
  });

  it("type-checks against @grafana/schema's Dashboard type (and a wrong variable type does not)", () => {
    const check = (json: string): string =>
      `import type { Dashboard } from "@grafana/schema/dist/esm/raw/dashboard/x/Dashboard_types.gen";\nexport const dashboard = ${json.trim()} satisfies Dashboard;\n`;
    writeFileSync(join(dir, "dashboard-check.ts"), check(text));
    writeFileSync(join(dir, "dashboard-bad.ts"), check(text.replace('"type": "datasource"', '"type": "data-source"')));
    const base = relative(dir, join(ROOT, "tsconfig.json")).split("\\").join("/");
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ extends: base, compilerOptions: { noEmit: true }, include: ["dashboard-*.ts"] }));
    const tsc = spawnSync(join(ROOT, "node_modules/.bin/tsc"), ["-p", join(dir, "tsconfig.json"), "--noEmit", "--pretty", "false"], { cwd: ROOT, encoding: "utf8" });
    const errors = [...tsc.stdout.matchAll(/^(.+?)\(\d+,\d+\): error (TS\d+): (.*)$/gm)].map((m) => ({ file: m[1], code: m[2], text: m[3] }));
    if (tsc.status !== 0 && errors.length === 0) throw new Error(`tsc failed without diagnostics:\n${tsc.stdout}${tsc.stderr}`);
    expect(errors.filter((e) => e.file.endsWith("dashboard-check.ts"))).toEqual([]);
    expect(errors.filter((e) => e.file.endsWith("dashboard-bad.ts")).map((e) => e.text)).toEqual([expect.stringContaining('"data-source"')]);
  }, 120_000);

  it("every variable's label_values query lists the values the SDK service sent", async () => {
    const seen: Record<string, string[]> = {};
    for (const v of labelVariables()) {
      const m = /^label_values\((.+), (\w+)\)$/.exec(v.query);
      expect(m, v.query).not.toBeNull();
      const r = await api(`/api/v1/label/${m![2]}/values`, { "match[]": m![1] });
      expect(r.status, JSON.stringify(r)).toBe("success");
      seen[v.name] = r.data;
    }
    expect(seen).toEqual({ job: ["grafana-demo"], worker_id: ["0", "1"], route: ["/a", "/b"] });
  });

  it("every /metrics series of the service, mmsc _sum/_count included, is a PromQL series with the same name and labels", async () => {
    const exposed = samples(await (await fetch(`${server.url}/metrics`)).text()).filter((s) => s.labels.service_name === "grafana-demo");
    expect(exposed.map((s) => s.name)).toEqual(expect.arrayContaining(["http_server_queue_wait_seconds_sum", "http_server_queue_wait_seconds_count"]));
    const missing: string[] = [];
    for (const s of exposed) {
      const selector = `${s.name}{${Object.entries(s.labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(",")}}`;
      const r = await api("/api/v1/query", { query: selector, time: String(Date.now() / 1000) });
      if (r.status !== "success" || r.data.result.length !== 1) missing.push(`${selector}: ${JSON.stringify(r).slice(0, 200)}`);
      else expect(r.data.result[0].metric).toMatchObject({ ...s.labels, __name__: s.name, job: "grafana-demo" });
    }
    expect(missing).toEqual([]);
  }, 120_000);

  it("every panel query succeeds with data, all values selected (allValue .*)", async () => {
    const all = Object.fromEntries(labelVariables().map((v) => [v.name, v.allValue ?? ".*"]));
    expect(await runAll(all)).toEqual([]);
  }, 120_000);

  it("every panel query succeeds with data, one value selected per variable", async () => {
    expect(await runAll({ job: "grafana-demo", worker_id: "1", route: regexEscape("/b") })).toEqual([]);
    // A value nobody sent: the queries still succeed, with no series (the check above can fail).
    const none = await runAll({ job: "nobody", worker_id: "1", route: "/b" });
    expect(none).toHaveLength(panels().reduce((n, p) => n + (p.targets?.length ?? 0), 0));
    expect(none.every((f) => f.endsWith("no series"))).toBe(true);
  }, 120_000);
});
