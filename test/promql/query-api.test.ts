// The Prometheus API surface Grafana uses, remote-write bad input and the query bounds, against
// the real server process (CLI) with a token, a small body limit and a small samples cap.
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeWriteRequest, snappyCompress } from "../../src/server/remote-write/remote-write-proto.ts";
import { query, startServerProcess, tempStore, type ServerProcess } from "../server/helpers/server-process.ts";

const TOKEN = "s3cret";
const auth = { authorization: `Bearer ${TOKEN}` };
const RW_HEADERS = { "content-type": "application/x-protobuf", "content-encoding": "snappy", ...auth };
let server: ServerProcess;
const t0 = 1_750_000_000_000;

const write = (body: Uint8Array | string, headers: Record<string, string> = RW_HEADERS) => fetch(`${server.url}/api/v1/write`, { method: "POST", headers, body });

async function promql(path: string, params: Record<string, string>, method: "GET" | "POST" = "POST"): Promise<{ status: number; body: any }> {
  const qs = new URLSearchParams(params);
  const res =
    method === "GET"
      ? await fetch(`${server.url}${path}?${qs}`, { headers: auth })
      : await fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...auth }, body: qs });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  server = await startServerProcess({ store: tempStore("promql-api"), args: ["--token", TOKEN, "--max-body", "64KiB", "--promql-max-samples", "1000"] });
  const res = await write(
    encodeWriteRequest({
      timeseries: ["a", "b"].map((route) => ({
        labels: [
          { name: "__name__", value: "demo_requests_total" },
          { name: "route", value: route },
          { name: "job", value: "demo" },
        ],
        samples: Array.from({ length: 600 }, (_, i) => ({ value: i, timestamp: t0 + i * 1000 })),
      })),
      metadata: [{ type: 1, metricFamilyName: "demo_requests_total", help: "Requests served.", unit: "" }],
    }),
  );
  expect(res.status).toBe(204);
}, 60_000);

afterAll(async () => {
  await server?.stop("SIGKILL");
  if (server) rmSync(dirname(server.store), { recursive: true, force: true });
});

describe("Grafana's calls", () => {
  it("health check 1+1 is a scalar, by POST form and by GET", async () => {
    for (const method of ["POST", "GET"] as const) {
      const r = await promql("/api/v1/query", { query: "1+1", time: "1750000000" }, method);
      expect(r).toEqual({ status: 200, body: { status: "success", data: { resultType: "scalar", result: [1750000000, "2"] } } });
    }
  });

  it("labels, label values, series with match[] and limit, metadata, buildinfo without features, exemplars", async () => {
    expect((await promql("/api/v1/labels", {})).body).toEqual({ status: "success", data: ["__name__", "job", "route"] });
    expect((await promql("/api/v1/label/route/values", { "match[]": "demo_requests_total" }, "GET")).body.data).toEqual(["a", "b"]);
    expect((await promql("/api/v1/label/__name__/values", {})).body.data).toEqual(["demo_requests_total"]);
    const series = await promql("/api/v1/series", { "match[]": '{route="b"}', start: String(t0 / 1000), end: String(t0 / 1000 + 60) });
    expect(series.body.data).toEqual([{ __name__: "demo_requests_total", job: "demo", route: "b" }]);
    expect((await promql("/api/v1/series", { "match[]": "demo_requests_total", limit: "1" })).body.data).toHaveLength(1);
    expect((await promql("/api/v1/series", {})).body).toMatchObject({ status: "error", errorType: "bad_data", error: "no match[] parameter provided" });
    expect((await promql("/api/v1/metadata", {}, "GET")).body.data).toEqual({ demo_requests_total: [{ type: "counter", help: "Requests served.", unit: "" }] });
    const build = (await promql("/api/v1/status/buildinfo", {}, "GET")).body;
    expect(build.status).toBe("success");
    expect(build.data.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(build.data).not.toHaveProperty("features");
    expect((await promql("/api/v1/query_exemplars", { query: "demo_requests_total" })).body).toEqual({ status: "success", data: [] });
  });

  it("remote-written samples are readable by PromQL (instant and range) and by SQL", async () => {
    const r = await promql("/api/v1/query", { query: 'demo_requests_total{route="a"}', time: String(t0 / 1000 + 100) });
    expect(r.body.data.result).toEqual([{ metric: { __name__: "demo_requests_total", job: "demo", route: "a" }, value: [t0 / 1000 + 100, "100"] }]);
    const range = await promql("/api/v1/query_range", {
      query: "sum(rate(demo_requests_total[1m]))",
      start: String(t0 / 1000 + 120),
      end: String(t0 / 1000 + 240),
      step: "60s",
    });
    expect(range.body.data).toEqual({
      resultType: "matrix",
      result: [
        {
          metric: {},
          values: [
            [t0 / 1000 + 120, "2"],
            [t0 / 1000 + 180, "2"],
            [t0 / 1000 + 240, "2"],
          ],
        },
      ],
    });
    expect(
      await query(server.url, "SELECT count(*) FROM prom_samples JOIN prom_series ON prom_series.id = prom_samples.series WHERE metric = 'demo_requests_total'", TOKEN),
    ).toEqual([[1200]]);
  });
});

describe("remote-write ordering", () => {
  it("out-of-order samples are accepted; of two with one timestamp, the one written last wins", async () => {
    const one = (value: number, timestamp: number) =>
      encodeWriteRequest({ timeseries: [{ labels: [{ name: "__name__", value: "reordered" }], samples: [{ value, timestamp }] }] });
    for (const [v, t] of [
      [1, t0 + 20_000],
      [5, t0 + 10_000],
      [9, t0 + 10_000],
      [3, t0],
    ])
      expect((await write(one(v, t))).status).toBe(204);
    const r = await promql("/api/v1/query", { query: "reordered[1m]", time: String(t0 / 1000 + 30) });
    expect(r.body.data.result[0].values).toEqual([
      [t0 / 1000, "3"],
      [t0 / 1000 + 10, "9"],
      [t0 / 1000 + 20, "1"],
    ]);
  });
});

describe("bad input and bounds", () => {
  it("malformed PromQL is 400 bad_data with the position", async () => {
    const r = await promql("/api/v1/query", { query: "sum(rate(foo[5m]) by" });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ status: "error", errorType: "bad_data" });
    expect(r.body.error).toMatch(/^invalid parameter "query": 1:\d+: parse error/);
  });

  it("unsupported constructs are 400 bad_data naming them, never answered", async () => {
    for (const [q, name] of [
      ["holt_winters(demo_requests_total[5m], 0.5, 0.5)", "holt_winters"],
      ["demo_requests_total @ 100", "@ modifier"],
      ["deriv(demo_requests_total[5m])", "deriv"],
    ]) {
      const r = await promql("/api/v1/query", { query: q });
      expect(r.status, q).toBe(400);
      expect(r.body.errorType).toBe("bad_data");
      expect(r.body.error).toContain(name);
    }
  });

  it("a query loading more samples than --promql-max-samples is 422 execution; the timeout is 503", async () => {
    const big = await promql("/api/v1/query", { query: "count_over_time(demo_requests_total[1h])", time: String(t0 / 1000 + 600) });
    expect(big.status).toBe(422);
    expect(big.body).toMatchObject({ status: "error", errorType: "execution" });
    expect(big.body.error).toMatch(/too many samples/);
    const slow = await promql("/api/v1/query", { query: "count_over_time(vector(1)[10d:1s])", timeout: "1ms" });
    expect(slow.status).toBe(503);
    expect(slow.body).toMatchObject({ status: "error", errorType: "timeout" });
    expect((await promql("/api/v1/query", { query: "1+1" })).status).toBe(200);
  }, 60_000);

  it("remote write: garbage 400, bad protobuf 400, bad label 400, 2.0 415, oversized 413, no token 401; the server keeps storing", async () => {
    const garbage = await write("definitely not snappy");
    expect(garbage.status).toBe(400);
    expect(((await garbage.json()) as any).error.code).toBe("E_BAD_PROTOBUF");
    expect((await write(snappyCompress(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f])))).status).toBe(400);
    const badLabel = await write(
      encodeWriteRequest({
        timeseries: [
          {
            labels: [
              { name: "__name__", value: "x" },
              { name: "bad-label", value: "v" },
            ],
            samples: [{ value: 1, timestamp: t0 }],
          },
        ],
      }),
    );
    expect(badLabel.status).toBe(400);
    expect(((await badLabel.json()) as any).error).toMatchObject({ code: "E_BAD_SERIES", where: "timeseries[0].labels" });
    const v2 = await write(encodeWriteRequest({ timeseries: [] }), { ...RW_HEADERS, "content-type": "application/x-protobuf;proto=io.prometheus.write.v2.Request" });
    expect(v2.status).toBe(415);
    const huge = await write(new Uint8Array(128 * 1024));
    expect(huge.status).toBe(413);
    expect((await write(encodeWriteRequest({ timeseries: [] }), { "content-type": "application/x-protobuf", "content-encoding": "snappy" })).status).toBe(401);
    expect((await fetch(`${server.url}/api/v1/query?query=1`)).status).toBe(401);
    // Nothing of the refused requests was stored, and a good request still is.
    const ok = await write(encodeWriteRequest({ timeseries: [{ labels: [{ name: "__name__", value: "after_errors" }], samples: [{ value: 7, timestamp: t0 }] }] }));
    expect(ok.status).toBe(204);
    expect((await promql("/api/v1/query", { query: "after_errors", time: String(t0 / 1000) })).body.data.result[0].value).toEqual([t0 / 1000, "7"]);
    expect((await promql("/api/v1/label/__name__/values", {})).body.data).toContain("after_errors");
  });
});
