// The shared naming and unit rules, and the generator's view of percore/schema and of the runtime
// contract, checked against the real modules so they cannot drift apart silently.
import { describe, expect, it } from "vitest";
import { GENERATED_API_VERSION } from "../../codegen/emit-module.ts";
import { DSL_FUNCTIONS, DSL_TYPES } from "../../codegen/read-context.ts";
import { RUNTIME_API_VERSION } from "../../src/runtime/codegen-runtime.ts";
import * as schema from "../../src/schema/index.ts";
import { defaultAttributeName, defaultMetricName, snakeLowercase, nameProblem } from "../../src/schema/naming.ts";
import { unitProblem, validateSchema } from "../../src/schema/validate.ts";
import { Project } from "ts-morph";
import { join } from "node:path";
import { ROOT } from "./helpers.ts";

describe("naming", () => {
  it.each([
    ["payloadSize", "payload_size"],
    ["httpURL", "http_url"],
    ["inFlight", "in_flight"],
    ["p99Latency", "p99_latency"],
    ["URLPath", "urlpath"],
    ["queue_wait", "queue_wait"],
    ["requests", "requests"],
  ])("%s -> %s", (key, name) => expect(snakeLowercase(key)).toBe(name));

  it("prefixes metric names with the set name; attribute names stand alone", () => {
    expect(defaultMetricName("http.server", "payloadSize")).toBe("http.server.payload_size");
    expect(defaultAttributeName("workerId")).toBe("worker_id");
  });

  it("accepts lowercase dotted segments up to 255 characters and explains rejections", () => {
    for (const ok of ["a", "http.server.request_count", "x1.y2", "a".repeat(255)]) expect(nameProblem(ok)).toBeUndefined();
    expect(nameProblem("")).toBe("it is empty");
    expect(nameProblem("a".repeat(256))).toMatch(/256 characters long, the limit is 255/);
    expect(nameProblem("Http")).toBe("it contains uppercase letters");
    expect(nameProblem("a..b")).toBe("it has an empty segment");
    expect(nameProblem("a.1b")).toBe("segment `1b` does not start with a lowercase letter");
    expect(nameProblem("a-b")).toMatch(/characters other than/);
  });
});

describe("units", () => {
  it.each(["1", "ms", "s", "By", "KiBy", "{request}", "By/s", "{request}/s", "1/s", "m2", "s-1", "kg.m/s2", "%", "[degF]", "ms{queue}", "/s"])("accepts %s", (unit) =>
    expect(unitProblem(unit)).toBeUndefined(),
  );
  it.each([
    ["", /empty/],
    ["milli seconds", /whitespace/],
    ["ms/", /ends with an operator/],
    ["{request", /unexpected `\{`/],
    ["m^2", /unexpected `\^`/],
    ["µs", /unexpected `µ`/],
    ["/", /unexpected `end`/],
    ["By//s", /unexpected `\/`/],
  ])("rejects %j", (unit, why) => expect(unitProblem(unit)).toMatch(why));
});

describe("the generator's view of the rest of the project", () => {
  it("DSL_FUNCTIONS are exactly the value exports of percore/schema", () => {
    expect([...DSL_FUNCTIONS].sort()).toEqual(Object.keys(schema).sort());
  });

  it("DSL_TYPES are exactly the type exports of percore/schema", () => {
    const file = new Project({ skipAddingFilesFromTsConfig: true }).addSourceFileAtPath(join(ROOT, "src/schema/index.ts"));
    const types = file
      .getExportDeclarations()
      .filter((d) => d.isTypeOnly())
      .flatMap((d) => d.getNamedExports().map((e) => e.getName()));
    expect([...DSL_TYPES].sort()).toEqual(types.sort());
  });

  it("generated code targets the API version the runtime implements", () => {
    expect(GENERATED_API_VERSION).toBe(RUNTIME_API_VERSION);
  });

  it("validateSchema works on plain data with any locator (usable outside codegen)", () => {
    const issues = validateSchema({
      attributeSets: [],
      metricSets: [
        {
          name: "jobs",
          nameAt: "$.name",
          measures: [],
          maxInstances: 10,
          fields: [{ key: "done", at: "$.metrics.done", instrument: "counter", unit: "{job}", brief: "", valueType: "double", stability: "development" }],
        },
      ],
    });
    expect(issues).toEqual([expect.objectContaining({ code: "E_MISSING_BRIEF", at: "$.metrics.done" })]);
  });
});
