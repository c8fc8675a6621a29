// OTLP/HTTP logs into the events table, from exporters no one here wrote: the OpenTelemetry JS
// logs SDK with @opentelemetry/exporter-logs-otlp-http (JSON) and -proto (protobuf), with and
// without gzip. Names (LogRecord.event_name, or the event.name attribute), severities, attributes,
// body and resource must land in their columns. Then bad bodies: 400 with a reason, or 200 with
// partial_success for the records that cannot be stored.
import { gzipSync } from "node:zlib";
import { SeverityNumber } from "@opentelemetry/api-logs";
import { OTLPLogExporter as JsonExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPLogExporter as ProtoExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { CompressionAlgorithm } from "@opentelemetry/otlp-exporter-base";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordExporter } from "@opentelemetry/sdk-logs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { query, serverPool, type ServerProcess } from "../server/helpers/server-process.ts";

const pool = serverPool();
let server: ServerProcess;
beforeAll(async () => {
  server = await pool.start("otlp-logs");
});
afterAll(() => pool.cleanup());

async function emit(service: string, exporter: LogRecordExporter): Promise<void> {
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ "service.name": service, "host.name": "h1" }),
    processors: [new BatchLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger("jobs", "2.0.0");
  logger.emit({
    eventName: "job.failed",
    severityNumber: SeverityNumber.ERROR,
    severityText: "ERROR",
    body: "job 42 timed out",
    attributes: { jobId: 42, reason: "timeout", retryable: false },
    timestamp: new Date("2026-03-01T12:00:00.000Z"),
  });
  logger.emit({ severityNumber: SeverityNumber.WARN2, body: { queue: "emails", depth: 900 }, attributes: { "event.name": "queue.deep" } });
  logger.emit({ severityNumber: SeverityNumber.INFO, body: "plain log line" });
  await provider.forceFlush();
  await provider.shutdown();
}

const rowsOf = (service: string) =>
  query(
    server.url,
    `SELECT e.event_name, e.event_type, e.severity_number, e.severity_text, e.attributes, e.payload, epoch_ms(e.event_time), s.resource->>'service.name', s.kind
     FROM events e JOIN streams s ON s.id = e.stream_id WHERE s.resource->>'service.name' = '${service}' ORDER BY e.severity_number DESC`,
  );

describe.each([
  ["http (JSON)", (url: string) => new JsonExporter({ url })],
  ["proto", (url: string) => new ProtoExporter({ url })],
  ["http (JSON) gzip", (url: string) => new JsonExporter({ url, compression: CompressionAlgorithm.GZIP })],
  ["proto gzip", (url: string) => new ProtoExporter({ url, compression: CompressionAlgorithm.GZIP })],
])("the real OpenTelemetry logs exporter, %s", (label, make) => {
  it("stores each record as an event with its name, severity, attributes, body and resource", async () => {
    const service = `svc-${label.replace(/\W+/g, "-")}`;
    await emit(service, make(`${server.url}/v1/logs`));
    const rows = await rowsOf(service);
    expect(rows).toHaveLength(3);
    const [failed, deep, info] = rows;
    expect(failed?.slice(0, 4)).toEqual(["job.failed", "log", 17, "ERROR"]);
    expect(JSON.parse(String(failed?.[4]))).toEqual({ jobId: 42, reason: "timeout", retryable: false });
    expect(JSON.parse(String(failed?.[5]))).toEqual({ message: "job 42 timed out" });
    expect(failed?.[6]).toBe(Date.parse("2026-03-01T12:00:00.000Z"));
    expect(failed?.slice(7)).toEqual([service, "events"]);
    expect(deep?.slice(0, 4)).toEqual(["queue.deep", "log", 14, "WARN"]);
    expect(JSON.parse(String(deep?.[5]))).toEqual({ queue: "emails", depth: 900 });
    expect(info?.slice(0, 4)).toEqual([null, "log", 9, "INFO"]);
  });
});

describe("bad bodies", () => {
  const postLogs = (body: string | Uint8Array, type: string, extra: Record<string, string> = {}) =>
    fetch(`${server.url}/v1/logs`, { method: "POST", headers: { "content-type": type, ...extra }, body }).then(async (r) => ({
      status: r.status,
      text: await r.text(),
    }));

  it("garbage protobuf, non-JSON, a wrong content type, bad gzip, an impossible time: 400/415 with a reason", async () => {
    const proto = await postLogs(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f, 1]), "application/x-protobuf");
    expect(proto.status).toBe(400);
    expect(JSON.parse(proto.text).error).toMatchObject({ code: "E_BAD_PROTOBUF", message: expect.stringMatching(/not an OTLP ExportLogsServiceRequest/) });
    const json = await postLogs("{nope", "application/json");
    expect(JSON.parse(json.text).error.code).toBe("E_BAD_JSON");
    expect((await postLogs("x", "text/plain")).status).toBe(415);
    const gz = await postLogs("not gzip", "application/json", { "content-encoding": "gzip" });
    expect(JSON.parse(gz.text).error.code).toBe("E_BAD_ENCODING");
    const time = await postLogs(
      JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: 1e23, body: { stringValue: "x" } }] }] }] }),
      "application/json",
    );
    expect(time.status).toBe(400);
    expect(JSON.parse(time.text).error.message).toMatch(/logRecords\[0\]\.timeUnixNano: 1e\+23 is not a time between 1970 and 2262/);
  });

  it("a record that cannot be stored is counted in partial_success; the others are stored", async () => {
    const body = JSON.stringify({
      resourceLogs: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "partial" } }] },
          scopeLogs: [
            {
              logRecords: [
                { severityNumber: 99, body: { stringValue: "bad" } },
                { severityNumber: 13, eventName: "ok.one", body: { stringValue: "good" } },
              ],
            },
          ],
        },
      ],
    });
    const r = await postLogs(body, "application/json");
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toEqual({ partialSuccess: { rejectedLogRecords: "1", errorMessage: expect.stringMatching(/severity_number 99 is not 1-24 \(1\)/) } });
    expect((await rowsOf("partial")).map((row) => row.slice(0, 3))).toEqual([["ok.one", "log", 13]]);
    const allBad = await postLogs(body.replace('"severityNumber":13', '"severityNumber":77'), "application/json");
    expect(allBad.status).toBe(400);
    expect(JSON.parse(allBad.text).error).toMatchObject({ code: "E_BAD_OTLP", message: expect.stringMatching(/every log record was rejected/) });
  });

  it("a gzip body that inflates past --max-body is refused (413), like /v1/metrics", async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    const r = await postLogs(bomb, "application/json", { "content-encoding": "gzip" });
    expect(r.status).toBe(413);
  });
});
