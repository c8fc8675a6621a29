// Runs the generated field classes against a plain Float64Array and checks every store against
// the layout rules (src/schema/layout.ts) computed here from the descriptor: slot = mixed radix of
// the enum positions times stride, field offset, bucket index, invalid counter at stride * slots.
import { writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generate } from "../../codegen/index.ts";
import type { MetricSetDescriptor } from "../../src/schema/descriptor.ts";
import { MMSC_COUNT, MMSC_MAX, MMSC_MIN, MMSC_SUM, initRegion, invalidIndex, regionLength } from "../../src/schema/layout.ts";
import { GOOD, ROOT, scratchDir } from "./helpers.ts";

// Imported dynamically, so untyped here; compile.test.ts checks the same module's types.
type Generated = Record<string, any>;
let gen: Generated;

beforeAll(async () => {
  const dir = scratchDir("behavior");
  const out = join(dir, "everything.generated.ts");
  // vitest does not resolve the "source" export condition, so point the import at the runtime source.
  const runtimeImport = relative(dir, join(ROOT, "src/runtime/codegen-runtime.ts")).split("\\").join("/");
  const result = generate({ schema: `${GOOD}/everything.ts`, out, runtimeImport, cwd: ROOT });
  if (!result.ok) throw new Error(result.errors[0].message);
  writeFileSync(out, result.outputs[0].content);
  gen = (await import(out)) as Generated;
});

/** A fresh region for one instance, initialised as the runtime does. */
function region(d: MetricSetDescriptor): Float64Array {
  const v = new Float64Array(regionLength(d.stride, d.slots));
  initRegion(v, d.fields, d.stride, d.slots);
  return v;
}

/** Slot start for the given enum values: mixed radix, first measure most significant. */
function slotStart(d: MetricSetDescriptor, values: readonly string[]): number {
  return d.measures.reduce((index, m, i) => index * m.values.length + m.values.indexOf(values[i]), 0) * d.stride;
}

const field = (d: MetricSetDescriptor, key: string) => {
  const f = d.fields.find((x) => x.key === key);
  if (!f) throw new Error(key);
  return f;
};

/** Indices of the non-zero elements, to prove a recording touched nothing else. */
const touched = (v: Float64Array): number[] => [...v.keys()].filter((i) => v[i] !== 0 && !Number.isNaN(v[i]) && v[i] !== -1);

describe("generated field classes", () => {
  it("counters add into their slot and offset, and count invalid input instead of storing it", () => {
    const d: MetricSetDescriptor = gen.ApiDescriptor;
    const v = region(d);
    const requests = new gen.ApiRequests(v);
    requests.inc("POST", "4xx", "miss");
    requests.add(2.5, "POST", "4xx", "miss");
    const at = slotStart(d, ["POST", "4xx", "miss"]) + field(d, "requests").offset;
    expect(at).toBe(((1 * 3 + 1) * 2 + 1) * 24 + 8);
    expect(v[at]).toBe(3.5);
    requests.add(-1, "GET", "2xx", "hit");
    requests.add(Infinity, "GET", "2xx", "hit");
    requests.add(NaN, "GET", "2xx", "hit");
    requests.inc("PUT", "2xx", "hit");
    expect(v[invalidIndex(d.stride, d.slots)]).toBe(4);
    expect(touched(v)).toEqual([at, invalidIndex(d.stride, d.slots)]);

    const bytes = new gen.ApiBytesOut(v);
    bytes.add(1.5, "GET", "2xx", "hit");
    bytes.add(10, "GET", "2xx", "hit");
    expect(v[slotStart(d, ["GET", "2xx", "hit"]) + field(d, "bytesOut").offset]).toBe(10);
    expect(v[invalidIndex(d.stride, d.slots)]).toBe(5);
  });

  it("up-down counters and gauges take any finite value", () => {
    const d: MetricSetDescriptor = gen.ApiDescriptor;
    const v = region(d);
    const s = slotStart(d, ["OTHER", "5xx", "hit"]);
    new gen.ApiInFlight(v).add(-2, "OTHER", "5xx", "hit");
    new gen.ApiInFlight(v).add(0.5, "OTHER", "5xx", "hit"); // int: dropped
    const url = new gen.ApiHttpURL(v);
    expect(v[s + field(d, "httpURL").offset]).toBeNaN();
    url.set(7, "OTHER", "5xx", "hit");
    url.set(NaN, "OTHER", "5xx", "hit");
    expect(v[s + field(d, "inFlight").offset]).toBe(-2);
    expect(v[s + field(d, "httpURL").offset]).toBe(7);
    expect(v[invalidIndex(d.stride, d.slots)]).toBe(2);
  });

  it("histograms count v <= bound in bucket i, larger values in the overflow bucket, then sum and count", () => {
    const d: MetricSetDescriptor = gen.JobsDescriptor;
    const v = region(d);
    const delta = new gen.JobsDelta(v);
    const f = field(d, "delta"); // bounds [-10, -1, 0, 1, 10]
    const base = slotStart(d, ["export"]) + f.offset;
    for (const x of [-20, -10, -9, 0, 0.5, 10, 11, 1e9]) delta.record(x, "export");
    expect([...v.subarray(base, base + f.width - 2)]).toEqual([2, 1, 1, 1, 1, 2]);
    expect(v[base + f.width - 2]).toBe(-20 - 10 - 9 + 0 + 0.5 + 10 + 11 + 1e9);
    expect(v[base + f.width - 1]).toBe(8);
  });

  it("histograms without measures index from the field offset alone", () => {
    const d: MetricSetDescriptor = gen.CacheDescriptor;
    const v = region(d);
    new gen.CacheEvictionAge(v).record(60);
    new gen.CacheHits(v).inc();
    // bucket 1, sum, count (bounds [30, 300, ...]: 60 lands in bucket 1), then the counter.
    expect(touched(v)).toEqual([1, 4, 5, field(d, "hits").offset]);
  });

  it("mmsc keeps count and sum cumulative and restarts min/max when the epoch moves", () => {
    const d: MetricSetDescriptor = gen.JobsDescriptor;
    const v = region(d);
    const epoch = new Int32Array(1);
    const wait = new gen.JobsWait(v, epoch);
    const o = slotStart(d, ["import"]) + field(d, "wait").offset;
    wait.record(5, "import");
    wait.record(2, "import");
    wait.record(9, "import");
    expect([v[o + MMSC_COUNT], v[o + MMSC_SUM], v[o + MMSC_MIN], v[o + MMSC_MAX]]).toEqual([3, 16, 2, 9]);
    epoch[0] = 1;
    wait.record(4, "import");
    wait.record(2.5, "import"); // int: dropped and counted
    expect([v[o + MMSC_COUNT], v[o + MMSC_SUM], v[o + MMSC_MIN], v[o + MMSC_MAX]]).toEqual([4, 20, 4, 4]);
    expect(v[invalidIndex(d.stride, d.slots)]).toBe(1);
  });

  it("the set class wires every field to the instance's region", () => {
    const cache = new gen.Cache({ region: "eu-west" });
    cache.hits.add(3);
    cache.size.set(4096);
    expect(cache.descriptor).toBe(gen.CacheDescriptor);
    const values: Float64Array = (cache as unknown as { values: Float64Array }).values;
    expect(values[field(gen.CacheDescriptor, "hits").offset]).toBe(3);
    expect(values[field(gen.CacheDescriptor, "size").offset]).toBe(4096);
  });
});
