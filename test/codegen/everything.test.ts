// A schema using every instrument, every attribute type, aliased and namespace imports, consts and
// explicit names: what the static reader understood (descriptors), and the semconv YAML and
// Markdown docs derived from it.
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { MetricSetDescriptor } from "../../src/schema/descriptor.ts";
import { type OutputFile, generate } from "../../codegen/index.ts";
import { GOOD, ROOT } from "./helpers.ts";

let descriptors: readonly MetricSetDescriptor[] = [];
let files: Record<string, OutputFile> = {};

beforeAll(() => {
  const result = generate({
    schema: `${GOOD}/everything.ts`,
    out: "test/.generated/e/t.ts",
    semconv: "test/.generated/e/registry.yaml",
    docs: "test/.generated/e/metrics.md",
    cwd: ROOT,
  });
  if (!result.ok) throw new Error(result.errors.map((e) => `${e.line}:${e.col} ${e.message}`).join("\n"));
  descriptors = result.descriptors;
  files = Object.fromEntries(result.outputs.map((o) => [o.kind, o]));
});

const byName = (name: string): MetricSetDescriptor => {
  const d = descriptors.find((x) => x.name === name);
  if (!d) throw new Error(`no set ${name}`);
  return d;
};

describe("static reading of everything.ts", () => {
  it("finds the sets in declaration order, through aliases and namespace imports", () => {
    expect(descriptors.map((d) => d.name)).toEqual(["svc.api", "svc.jobs", "svc.cache"]);
    expect(byName("svc.api").fields.map((f) => [f.key, f.instrument])).toEqual([
      ["latency", "histogram"],
      ["requests", "counter"],
      ["bytesOut", "counter"],
      ["inFlight", "upDownCounter"],
      ["queueWait", "mmsc"],
      ["responseSize", "histogram"],
      ["httpURL", "gauge"],
    ]);
  });

  it("resolves consts, as const, satisfies, template literals and negative numbers", () => {
    const api = byName("svc.api");
    expect(api.fields[0]).toMatchObject({ unit: "ms", bounds: [0.5, 1, 2.5, 10, 100] });
    expect(api.fields[4]).toMatchObject({ unit: "ms", brief: "Time waiting in the queue" });
    expect(api.fields[5]).toMatchObject({ unit: "By", valueType: "int", bounds: [100, 1000, 10000] });
    expect(api.measures[0].values).toEqual(["GET", "POST", "OTHER"]);
    expect(byName("svc.jobs").fields[1].bounds).toEqual([-10, -1, 0, 1, 10]);
  });

  it("derives names (dotted lowercase, capital runs kept) and honours explicit ones", () => {
    const api = byName("svc.api");
    expect(api.fields.map((f) => f.name)).toEqual([
      "svc.api.latency",
      "svc.api.requests",
      "svc.api.bytes_sent",
      "svc.api.in_flight",
      "svc.api.queue_wait",
      "svc.api.response_size",
      "svc.api.http_url",
    ]);
    expect(api.attributes.map((a) => [a.name, a.type])).toEqual([
      ["worker_id", "int"],
      ["pool.name", "string"],
      ["weight", "double"],
      ["pinned", "boolean"],
    ]);
    expect(api.measures.map((m) => m.name)).toEqual(["method", "http.status_class", "cache"]);
  });

  it("lays fields out with layout.ts widths and multiplies measure sizes into slots", () => {
    const api = byName("svc.api");
    expect(api.fields.map((f) => [f.offset, f.width])).toEqual([
      [0, 8],
      [8, 1],
      [9, 2],
      [11, 1],
      [12, 5],
      [17, 6],
      [23, 1],
    ]);
    expect([api.stride, api.slots, api.maxInstances]).toEqual([24, 18, 64]);
    const cache = byName("svc.cache");
    expect([cache.stride, cache.slots, cache.attributeSet, cache.measures]).toEqual([13, 1, "svc.cache.attrs", []]);
    expect(new Set(descriptors.map((d) => d.schemaHash)).size).toBe(1);
  });

  it("names interfaces after the const, or <Set>Attributes for an inline attribute set", () => {
    const module = files.module.content;
    expect(module).toContain("export interface Worker {");
    expect(module).toContain("export interface CacheAttributes {");
    expect(module).toContain("constructor(attributes: CacheAttributes) {");
    expect(module).toContain(
      "function apiSlot(method: ApiMethod, status: ApiStatus, cache: ApiCache): number {\n  return ((apiMethodIndex(method) * 3 + apiStatusIndex(status)) * 2 + apiCacheIndex(cache)) * 24;",
    );
    expect(module).toContain("function jobsSlot(kind: JobsKind): number {\n  return jobsKindIndex(kind) * 14;");
    expect(module).not.toContain("function cacheSlot");
  });
});

interface Group {
  id: string;
  type: string;
  brief: string;
  note?: string;
  metric_name?: string;
  instrument?: string;
  unit?: string;
  stability?: string;
  attributes?: { id?: string; ref?: string; type?: unknown; brief?: string; stability?: string }[];
}

describe("semantic-convention registry YAML", () => {
  const groups = (): Group[] => (parse(files.semconv.content) as { groups: Group[] }).groups;

  it("has an attribute group per attribute set and per set's measurement attributes, each attribute once", () => {
    const attributeGroups = groups().filter((g) => g.type === "attribute_group");
    expect(attributeGroups.map((g) => g.id)).toEqual([
      "registry.svc.worker",
      "registry.svc.cache.attrs",
      "registry.svc.api.measurements",
      "registry.svc.jobs.measurements",
    ]);
    const ids = attributeGroups.flatMap((g) => (g.attributes ?? []).map((a) => a.id));
    expect(ids).toEqual(["worker_id", "pool.name", "weight", "pinned", "region", "method", "http.status_class", "cache", "kind"]);
    for (const g of attributeGroups) for (const a of g.attributes ?? []) expect(a).toMatchObject({ stability: "development", brief: expect.any(String) });
    const worker = attributeGroups[0].attributes ?? [];
    expect(worker.map((a) => a.type)).toEqual(["int", "string", "double", "boolean"]);
    const status = attributeGroups[2].attributes?.[1];
    expect(status?.type).toEqual({
      members: [
        { id: "value_2xx", value: "2xx", stability: "development" },
        { id: "value_4xx", value: "4xx", stability: "development" },
        { id: "value_5xx", value: "5xx", stability: "development" },
      ],
    });
  });

  it("has one metric group per field with instrument, unit, stability and attribute refs", () => {
    const metrics = groups().filter((g) => g.type === "metric");
    expect(metrics.map((g) => g.metric_name)).toEqual(descriptors.flatMap((d) => d.fields.map((f) => f.name)));
    for (const g of metrics) expect(g.id).toBe(`metric.${g.metric_name}`);
    const api = metrics.filter((g) => g.metric_name?.startsWith("svc.api."));
    expect(api.map((g) => g.instrument)).toEqual(["histogram", "counter", "counter", "updowncounter", "histogram", "histogram", "gauge"]);
    expect(api[1]).toMatchObject({ unit: "{request}", stability: "stable", brief: "Requests handled" });
    expect(api[4].note).toMatch(/^Measured from accept to handler start\.\n\nRecorded as min, max, sum and count per collection interval/);
    expect(api[0].note).toContain("[0.5, 1, 2.5, 10, 100]");
    expect(api[0].attributes).toEqual(["worker_id", "pool.name", "weight", "pinned", "method", "http.status_class", "cache"].map((ref) => ({ ref })));
    const defined = new Set(groups().flatMap((g) => (g.type === "attribute_group" ? (g.attributes ?? []).map((a) => a.id) : [])));
    for (const g of metrics) for (const a of g.attributes ?? []) expect(defined.has(a.ref)).toBe(true);
  });
});

describe("Markdown docs", () => {
  it("lists every metric and every attribute in a table row", () => {
    const docs = files.docs.content;
    for (const d of descriptors) {
      expect(docs).toContain(`## Metric set \`${d.name}\``);
      for (const f of d.fields) expect(docs).toMatch(new RegExp(`^\\| \`${f.name.replace(/\./g, "\\.")}\` \\| `, "m"));
      for (const a of [...d.attributes, ...d.measures]) expect(docs).toMatch(new RegExp(`^\\| \`${a.name.replace(/\./g, "\\.")}\` \\| `, "m"));
    }
    expect(docs).toContain("| `svc.api.latency` | histogram | `ms` | double | 0.5, 1, 2.5, 10, 100 | Handling time |");
    expect(docs).toContain("| `http.status_class` | measurement | enum | `2xx`, `4xx`, `5xx` | Status class |");
    expect(docs).toContain("| `pool.name` | entity (`svc.worker`) | string |  | Name of the piscina pool Set by the pool factory. |");
  });
});
