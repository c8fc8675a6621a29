// The thread-per-core service on its own: the load script drives it and finds every answered
// request stored by the server; the plot command draws what was stored.
import { readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNode, startTelemetryServer, type Child } from "../../examples/lib/processes.ts";
import { runScript, tempStore } from "./run-script.ts";

const store = tempStore("service");
let server: Child;
let service: Child;

beforeAll(async () => {
  server = await startTelemetryServer(store);
  service = await startNode({
    name: "service",
    script: "examples/service/main.ts",
    args: ["--port", "0", "--server", server.ready, "--cadence", "200", "--threads", "2"],
    ready: /listening on (http:\/\/127\.0\.0\.1:\d+)/,
  });
});

afterAll(async () => {
  await service?.stop();
  await server?.stop();
  rmSync(dirname(store), { recursive: true, force: true });
});

describe("examples/service", () => {
  it("the load script's requests are all stored by the telemetry server", async () => {
    const r = await runScript("examples/service/load.ts", ["--target", service.ready, "--server", server.ready, "--duration", "2", "--connections", "4"], 60_000);
    expect(r.code, r.output).toBe(0);
    const m = /the telemetry server stored (\d+) of (\d+) requests/.exec(r.output);
    expect(m, r.output).not.toBeNull();
    expect(Number(m![2])).toBeGreaterThan(0);
    expect(m![1]).toBe(m![2]);
    expect(r.output).toMatch(/p99 handling time per route/);
  });

  it("serves the same counters as Prometheus text at /metrics", async () => {
    const res = await fetch(`${service.ready}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/^# TYPE http_server_requests_total counter$/m);
    expect(text).toMatch(/^http_server_requests_total\{[^}]*route="\/api\/items\/:id"[^}]*\} \d+/m);
  });

  it("plots the stored requests per route as an SVG with title, axes and legend", async () => {
    const out = join(dirname(store), "requests.svg");
    const r = await runScript(
      "examples/plot/main.ts",
      ["--url", server.ready, "--metric", "http.server.requests", "--by", "route", "--step", "1s", "--out", out],
      30_000,
    );
    expect(r.code, r.output).toBe(0);
    const svg = readFileSync(out, "utf8");
    expect(svg).toMatch(/^<svg xmlns/);
    expect(svg).toContain(">http.server.requests</text>");
    expect(svg).toContain(">requests per second</text>");
    expect(svg).toContain(">time (UTC)</text>");
    expect(svg).toContain("route=/api/items/:id");
    expect(svg).toMatch(/<polyline [^>]*points="[\d., ]+"/);
  });
});
