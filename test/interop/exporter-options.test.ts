// Issue #8 defect 6 and the first hour's silent loss at shutdown:
// - exporters check their options at construction (a TypeError naming the option, with an example);
// - after construction they never throw from export/forceFlush/shutdown;
// - what shutdown could not deliver is said in one stderr line: points, batches, where, why.
import { describe, expect, it, vi } from "vitest";
import { HttpServer } from "../../examples/demo/telemetry.generated.ts";
import { OtlpExporter } from "../../src/export/otlp-exporter.ts";
import { PrometheusExporter } from "../../src/export/prometheus-exporter.ts";
import { ServerExporter } from "../../src/export/server-exporter.ts";
import { Collector } from "../../src/runtime/collector.ts";
import { freePort } from "../server/helpers/server-process.ts";

describe("exporter options are checked at construction", () => {
  it("a URL without a scheme is a TypeError naming url, with an example", () => {
    expect(() => new ServerExporter({ url: "127.0.0.1:4318" })).toThrow(
      new TypeError('ServerExporter: option url must be an absolute http:// or https:// URL, got "127.0.0.1:4318"; for example url: "http://127.0.0.1:4318"'),
    );
    expect(() => new OtlpExporter({ url: "localhost:4318/v1/metrics" })).toThrow(
      /^OtlpExporter: option url must be an absolute http:\/\/ or https:\/\/ URL, got "localhost:4318\/v1\/metrics"; for example url: "http:\/\/127\.0\.0\.1:4318\/v1\/metrics"$/,
    );
  });

  it("every other option is checked too", () => {
    const url = "http://127.0.0.1:1";
    expect(() => new ServerExporter({ url, transport: "tcp" as never })).toThrow(/option transport must be one of "ws", "http", got "tcp"/);
    expect(() => new ServerExporter({ url, timeoutMs: -1 })).toThrow(/option timeoutMs must be a finite number >= 0, got -1; for example timeoutMs: 10000/);
    expect(() => new ServerExporter({ url, shutdownTimeoutMs: NaN })).toThrow(/option shutdownTimeoutMs/);
    expect(() => new ServerExporter({ url, maxInFlight: 1.5 })).toThrow(/option maxInFlight must be an integer >= 1/);
    expect(() => new ServerExporter({ url, backoffMs: { initial: 10, max: 1 } })).toThrow(/option backoffMs must be \{ initial, max \}/);
    expect(() => new ServerExporter({ url, token: 42 as never })).toThrow(/option token must be a string, got 42/);
    expect(() => new OtlpExporter({ url, protocol: "grpc" as never })).toThrow(/OtlpExporter: option protocol must be one of "http\/protobuf", "http\/json"/);
    expect(() => new OtlpExporter({ url, temporality: "cumulativ" as never })).toThrow(/option temporality/);
    expect(() => new OtlpExporter({ url, headers: { a: 1 } as never })).toThrow(/option headers must be an object of string values/);
    expect(() => new PrometheusExporter({ port: 70000, noServer: true })).toThrow(/PrometheusExporter: option port must be an integer from 0 to 65535/);
    expect(() => new PrometheusExporter({ path: "metrics", noServer: true })).toThrow(/option path must be a path starting with "\/"/);
  });
});

describe("undelivered data at shutdown", () => {
  for (const transport of ["ws", "http"] as const) {
    it(`ServerExporter (${transport}) with the server down: shutdown resolves after shutdownTimeoutMs and says what was lost`, async () => {
      const port = await freePort(); // nothing listens there
      const lines: string[] = [];
      const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
      try {
        const exporter = new ServerExporter({ url: `http://127.0.0.1:${port}`, transport, timeoutMs: 300, shutdownTimeoutMs: 300 });
        const collector = new Collector({ exporters: [exporter] });
        new HttpServer({ workerId: 8, route: `/down-${transport}` }).requests.add(4, "GET", "2xx");
        await collector.flush().catch((e) => lines.push(`flush rejected: ${e}`));
        await collector.shutdown();
        expect(exporter.pending).toBe(0);
      } finally {
        spy.mockRestore();
      }
      const report = lines.filter((l) => l.startsWith("percore: ServerExporter:"));
      expect(report).toHaveLength(1);
      expect(report[0]).toMatch(
        new RegExp(
          `^percore: ServerExporter: \\d+ points? in \\d+ batch(es)? not delivered to http://127\\.0\\.0\\.1:${port} \\(${transport}\\) at shutdown: no acknowledgement within 300 ms \\(shutdownTimeoutMs\\); last error: .*ECONNREFUSED.*\\n$`,
        ),
      );
      expect(lines.some((l) => l.startsWith("flush rejected"))).toBe(false);
    }, 60_000);
  }

  it("OtlpExporter with the receiver down says the same", async () => {
    const port = await freePort();
    const lines: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
    try {
      const collector = new Collector({
        exporters: [new OtlpExporter({ url: `http://127.0.0.1:${port}/v1/metrics`, shutdownTimeoutMs: 300, backoffMs: { initial: 50, max: 100 }, maxAttempts: 1000 })],
      });
      new HttpServer({ workerId: 8, route: "/down-otlp" }).requests.add(4, "GET", "2xx");
      await collector.shutdown();
    } finally {
      spy.mockRestore();
    }
    const report = lines.filter((l) => l.startsWith("percore: OtlpExporter:"));
    expect(report).toHaveLength(1);
    expect(report[0]).toMatch(
      new RegExp(
        `^percore: OtlpExporter: \\d+ points? in \\d+ batch(es)? not delivered to http://127\\.0\\.0\\.1:${port}/v1/metrics at shutdown: not sent within 300 ms \\(shutdownTimeoutMs\\); last error: .*ECONNREFUSED.*\\n$`,
      ),
    );
  }, 60_000);
});
