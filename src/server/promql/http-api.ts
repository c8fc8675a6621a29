// Prometheus's HTTP query API (the part Grafana's Prometheus data source uses): query,
// query_range, labels, label values, series, metadata, buildinfo, query_exemplars. GET with a
// query string or POST form-encoded; answers in Prometheus's envelope and error shape.
import type { IncomingMessage, ServerResponse } from "node:http";
import { isServerError } from "../errors.ts";
import { readBody } from "../http/http-util.ts";
import type { PromIndex } from "../remote-write/prom-index.ts";
import type { Store } from "../store/store.ts";
import type { Cumulative } from "../query/cumulative.ts";
import type { UnitMode } from "../../exposition/prometheus-naming.ts";
import { nativeCatalog } from "./native-catalog.ts";
import { nativeSeriesLabels } from "./native-select.ts";
import type { HeadReader, NativeSource } from "./store-reads.ts";
import type { Matcher } from "./ast.ts";
import { PromqlError } from "./errors.ts";
import type { PromqlPool } from "./promql-pool.ts";
import { parseDurationText } from "./literals.ts";
import { parsePromql } from "./parse.ts";
import { budget as queryBudget, instantQuery, rangeQuery, type PromqlLimits } from "./query.ts";
import { matcherSql } from "./select.ts";
import { runEvaluatorSql } from "./store-reads.ts";

export interface QueryApiContext {
  readonly store: Store;
  readonly index: PromIndex;
  readonly promql: PromqlLimits;
  readonly cumulative: Cumulative;
  readonly prometheusUnits?: UnitMode;
  readonly promqlPool?: PromqlPool;
  readonly headReader?: HeadReader;
}

/** The Prometheus API level this server follows (its differential tests run against 2.42). */
const BUILD_INFO = { version: "2.42.0", revision: "percore", branch: "", buildUser: "", buildDate: "", goVersion: "" };

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { "content-type": "application/json", "content-length": String(payload.length) });
  res.end(payload);
}

const success = (res: ServerResponse, data: unknown) => reply(res, 200, { status: "success", data });

/** A success body a worker serialised already. */
function replyBytes(res: ServerResponse, body: Uint8Array): void {
  if (res.headersSent) return;
  res.writeHead(200, { "content-type": "application/json", "content-length": String(body.byteLength) });
  res.end(body);
}

export function replyError(res: ServerResponse, e: PromqlError): void {
  reply(res, e.status, { status: "error", errorType: e.type, error: e.message });
}

/** Unix seconds (with fractions) or RFC 3339, as Prometheus accepts; returns ms. */
export function parseTimeParam(s: string | null, name: string, fallback: number): number {
  if (s === null || s === "") return fallback;
  if (/^-?\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const t = Date.parse(s);
  if (Number.isFinite(t) && /^\d{4}-\d\d-\d\dT/.test(s)) return t;
  throw new PromqlError("bad_data", `invalid parameter "${name}": cannot parse "${s}" to a valid timestamp`);
}

function parseDurationParam(s: string | null, name: string): number | undefined {
  if (s === null || s === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const ms = parseDurationText(s);
  if (ms === undefined) throw new PromqlError("bad_data", `invalid parameter "${name}": cannot parse "${s}" to a valid duration`);
  return ms;
}

/** Query string and, for POST, the form-encoded body. */
async function requestParams(req: IncomingMessage, url: URL): Promise<URLSearchParams> {
  const p = new URLSearchParams(url.searchParams);
  if (req.method === "POST") {
    const body = await readBody(req, 4 * 1024 * 1024);
    if (isServerError(body)) throw new PromqlError("bad_data", body.message);
    for (const [k, v] of new URLSearchParams(body.toString("utf8"))) p.append(k, v);
  }
  return p;
}

function selectors(p: URLSearchParams, required: boolean): Matcher[][] {
  const match = p.getAll("match[]");
  if (match.length === 0 && required) throw new PromqlError("bad_data", "no match[] parameter provided");
  return match.map((m) => {
    const e = parsePromql(m);
    if (e.kind !== "vector" || e.offset !== 0) throw new PromqlError("bad_data", `invalid parameter "match[]": ${JSON.stringify(m)} is not a series selector`);
    return [...e.matchers];
  });
}

function limitParam(p: URLSearchParams): number | undefined {
  const s = p.get("limit");
  if (s === null || s === "" || s === "0") return undefined;
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n < 0) throw new PromqlError("bad_data", `invalid parameter "limit": ${JSON.stringify(s)} is not a non-negative integer`);
  return n;
}

/** WHERE over prom_series for match[] and the optional start/end (series with a sample in range). */
function seriesWhere(sets: Matcher[][], p: URLSearchParams, params: Record<string, string | number>): string {
  const parts: string[] = [];
  if (sets.length > 0) parts.push("(" + sets.map((ms, k) => `(${matcherSql(ms, params, `m${k}`)})`).join(" OR ") + ")");
  const start = p.get("start"),
    end = p.get("end");
  if (start || end) {
    params.start = parseTimeParam(start, "start", -8.64e15);
    params.end = parseTimeParam(end, "end", 8.64e15);
    parts.push(`id IN (SELECT series FROM prom_samples WHERE time >= make_timestamp($start::BIGINT * 1000) AND time <= make_timestamp($end::BIGINT * 1000))`);
  }
  return parts.length ? parts.join(" AND ") : "TRUE";
}

function sortedLimited(values: Set<string>, limit: number | undefined): string[] {
  const out = [...values].sort();
  return limit ? out.slice(0, limit) : out;
}

export function createQueryApi(ctx: QueryApiContext) {
  const units = ctx.prometheusUnits ?? "base";
  const native: NativeSource = { catalog: async () => nativeCatalog(ctx.cumulative, units), intervalMs: ctx.promql.nativeIntervalMs };
  const src = { store: ctx.store, native, ...(ctx.headReader ? { head: ctx.headReader } : {}) };
  const budget = () => queryBudget(src, ctx.promql);
  const pool = ctx.promqlPool;
  const deadline = (timeoutMs: number) => Date.now() + Math.min(timeoutMs, ctx.promql.timeoutMs);
  /** Label sets of the native series a request's match[] selects (all when none is given). */
  const nativeLabels = (sets: Matcher[][]) => nativeSeriesLabels(nativeCatalog(ctx.cumulative, units), sets);

  async function handle(path: string, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const route =
      path === "/api/v1/query" ||
      path === "/api/v1/query_range" ||
      path === "/api/v1/labels" ||
      path === "/api/v1/series" ||
      path === "/api/v1/metadata" ||
      path === "/api/v1/status/buildinfo" ||
      path === "/api/v1/query_exemplars" ||
      /^\/api\/v1\/label\/[^/]+\/values$/.test(path);
    if (!route) return false;
    if (req.method !== "GET" && req.method !== "POST" && req.method !== "HEAD") {
      reply(res, 405, { status: "error", errorType: "bad_data", error: `${req.method} not allowed on ${path}` });
      return true;
    }
    try {
      const p = await requestParams(req, url);
      const timeout = parseDurationParam(p.get("timeout"), "timeout") ?? Infinity;
      switch (path) {
        case "/api/v1/query": {
          const q = p.get("query");
          if (!q) throw new PromqlError("bad_data", 'invalid parameter "query": no query given');
          const time = parseTimeParam(p.get("time"), "time", Date.now());
          if (pool) replyBytes(res, await pool.run({ kind: "instant", query: q, time, limits: ctx.promql, deadline: deadline(timeout) }));
          else success(res, await instantQuery(src, ctx.promql, q, time, timeout));
          return true;
        }
        case "/api/v1/query_range": {
          const q = p.get("query");
          if (!q) throw new PromqlError("bad_data", 'invalid parameter "query": no query given');
          if (!p.get("start")) throw new PromqlError("bad_data", 'invalid parameter "start": missing');
          if (!p.get("end")) throw new PromqlError("bad_data", 'invalid parameter "end": missing');
          const start = parseTimeParam(p.get("start"), "start", 0),
            end = parseTimeParam(p.get("end"), "end", 0);
          if (end < start) throw new PromqlError("bad_data", 'invalid parameter "end": end timestamp must not be before start time');
          const step = parseDurationParam(p.get("step"), "step");
          if (!step || step <= 0)
            throw new PromqlError("bad_data", 'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer');
          if ((end - start) / step > ctx.promql.maxPoints)
            throw new PromqlError(
              "bad_data",
              `exceeded maximum resolution of ${ctx.promql.maxPoints} points per timeseries. Try decreasing the query resolution (?step=XX)`,
            );
          if (pool) replyBytes(res, await pool.run({ kind: "range", query: q, start, end, step, limits: ctx.promql, deadline: deadline(timeout) }));
          else success(res, await rangeQuery(src, ctx.promql, q, start, end, step, timeout));
          return true;
        }
        case "/api/v1/series": {
          const params: Record<string, string | number> = {};
          const sets = selectors(p, true);
          const where = seriesWhere(sets, p, params);
          const limit = limitParam(p);
          const rows = await runEvaluatorSql(budget(), `SELECT labels FROM prom_series WHERE ${where} ORDER BY metric, labels${limit ? ` LIMIT ${limit}` : ""}`, params);
          const all = [...rows.map(([l]) => JSON.parse(String(l)) as Record<string, string>), ...nativeLabels(sets)];
          success(res, limit ? all.slice(0, limit) : all);
          return true;
        }
        case "/api/v1/labels": {
          const params: Record<string, string | number> = {};
          const sets = selectors(p, false);
          const where = seriesWhere(sets, p, params);
          const rows = await runEvaluatorSql(budget(), `SELECT DISTINCT unnest(json_keys(labels)) AS name FROM prom_series WHERE ${where}`, params);
          const names = new Set(rows.map(([n]) => String(n)));
          for (const l of nativeLabels(sets)) for (const n of Object.keys(l)) names.add(n);
          success(res, sortedLimited(names, limitParam(p)));
          return true;
        }
        case "/api/v1/metadata": {
          const metric = p.get("metric");
          const limit = limitParam(p);
          const data: Record<string, { type: string; help: string; unit: string }[]> = {};
          const families = new Map(
            nativeCatalog(ctx.cumulative, units).map((s) => [s.family.name, { metric: s.family.name, type: s.family.type, help: s.family.help, unit: s.family.unit }]),
          );
          for (const m of ctx.index.metadata.values()) families.set(m.metric, m);
          for (const m of [...families.values()].sort((a, b) => (a.metric < b.metric ? -1 : 1))) {
            if (metric && m.metric !== metric) continue;
            if (limit && Object.keys(data).length >= limit) break;
            data[m.metric] = [{ type: m.type, help: m.help, unit: m.unit }];
          }
          success(res, data);
          return true;
        }
        case "/api/v1/status/buildinfo":
          success(res, BUILD_INFO);
          return true;
        case "/api/v1/query_exemplars":
          success(res, []);
          return true;
      }
      const name = decodeURIComponent(/^\/api\/v1\/label\/([^/]+)\/values$/.exec(path)![1]);
      if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) throw new PromqlError("bad_data", `invalid label name: ${JSON.stringify(name)}`);
      const params: Record<string, string | number> = { label: `$."${name}"` };
      const sets = selectors(p, false);
      const where = seriesWhere(sets, p, params);
      const col = name === "__name__" ? "metric" : "json_extract_string(labels, $label)";
      if (name === "__name__") delete params.label;
      const rows = await runEvaluatorSql(budget(), `SELECT DISTINCT ${col} AS v FROM prom_series WHERE ${where} AND ${col} IS NOT NULL`, params);
      const values = new Set(rows.map(([v]) => String(v)));
      for (const l of nativeLabels(sets)) if (l[name] !== undefined) values.add(l[name]);
      success(res, sortedLimited(values, limitParam(p)));
      return true;
    } catch (e) {
      // Prometheus names the parameter a parse error comes from.
      if (e instanceof PromqlError && /^\d+:\d+: parse error/.test(e.message) && (path === "/api/v1/query" || path === "/api/v1/query_range")) {
        replyError(res, new PromqlError("bad_data", `invalid parameter "query": ${e.message}`));
      } else replyError(res, e instanceof PromqlError ? e : new PromqlError("internal", (e as Error).message));
      return true;
    }
  }

  return handle;
}
