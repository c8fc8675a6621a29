// Every bad schema goes through the CLI (in-process main() for all, the real process for a few):
// the exact errors (code, file:line:col, a message that says what and how), exit code 1, and no
// output file written or overwritten.
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { generate } from "../../codegen/index.ts";
import { BAD, type CliRun, ROOT, runCli, runInProcess, scratchDir } from "./helpers.ts";

type Expected = readonly [code: string, line: number, col: number, message: RegExp];

const CASES: Record<string, readonly Expected[]> = {
  "dup-metric.ts": [["E_DUP_METRIC", 7, 71, /duplicate metric name `http\.server\.requests` \(already used by `requests`/]],
  "dup-attribute.ts": [["E_DUP_ATTRIBUTE", 11, 5, /duplicate attribute name `method` in metric set `http\.server` \(also used by entity attribute `method`\)/]],
  "dup-set.ts": [["E_DUP_SET", 8, 32, /duplicate metric set name `http\.server` \(also declared by `Http`\)/]],
  "bad-names.ts": [
    ["E_BAD_NAME", 5, 35, /invalid attribute name `worker-id`: it contains characters other than/],
    ["E_BAD_NAME", 8, 31, /invalid metric set name `HTTP Server`: it contains uppercase letters/],
    ["E_BAD_NAME", 11, 77, /invalid metric name `http\.Requests`: it contains uppercase letters/],
  ],
  "unknown-instrument.ts": [["E_UNKNOWN_INSTRUMENT", 9, 14, /`summary` is not an instrument\. Use one of counter, upDownCounter, gauge, histogram, mmsc/]],
  "empty-bounds.ts": [["E_EMPTY_BOUNDS", 6, 71, /histogram `http\.server\.duration` has no bucket bounds/]],
  "bounds-order.ts": [["E_BOUNDS_ORDER", 6, 78, /bounds are not strictly increasing: 5 follows 5/]],
  "bound-not-finite.ts": [["E_BOUND_NOT_FINITE", 4, 29, /has a non-finite bound \(Infinity\)/]],
  "empty-enum.ts": [["E_EMPTY_ENUM", 6, 19, /measurement attribute `method` has no values/]],
  "dup-enum-value.ts": [["E_DUP_ENUM_VALUE", 6, 35, /duplicate value `GET` in measurement attribute `method`/]],
  "cardinality.ts": [["E_CARDINALITY", 7, 3, /`wide` has 8000 measurement slots \(20 x 20 x 20\), over the budget of 2000\..*--max-cardinality/]],
  "unresolvable.ts": [
    // A const used twice is reported once, where it is declared.
    ["E_UNRESOLVABLE", 8, 19, /cannot evaluate the call `getUnit\(\)` statically\. The schema is never executed/],
    ["E_UNRESOLVABLE", 12, 31, /cannot evaluate the call `getUnit\(\)` statically/],
    ["E_UNRESOLVABLE", 13, 19, /cannot read the spread `\.\.\.common` statically/],
  ],
  "missing-unit.ts": [["E_MISSING_UNIT", 6, 5, /metric `http\.server\.requests` has no unit\. Add `unit:`/]],
  "missing-brief.ts": [
    ["E_MISSING_BRIEF", 5, 3, /attribute `route` has no brief/],
    ["E_MISSING_BRIEF", 11, 5, /metric `http\.server\.requests` has no brief/],
    ["E_MISSING_BRIEF", 12, 5, /metric `http\.server\.heap` has an empty brief/],
  ],
  "unknown-import.ts": [["E_UNKNOWN_IMPORT", 2, 30, /`summary` is not exported by percore\/schema\. Import one of: counter,/]],
  "foreign-import.ts": [["E_UNKNOWN_IMPORT", 6, 15, /`SharedAttrs` is imported from "\.\.\/schemas\/shared-attrs\.ts"; the generator reads only this file/]],
  "syntax-error.ts.txt": [["E_SYNTAX", 6, 43, /syntax error: ',' expected/]],
  "bad-unit.ts": [["E_BAD_UNIT", 7, 30, /invalid unit `milli seconds` for metric `http\.server\.latency`: it contains whitespace\. Use UCUM syntax/]],
  "no-sets.ts": [["E_NO_SETS", 1, 1, /the schema declares no metric set/]],
  "unknown-option.ts": [
    ["E_MISSING_UNIT", 6, 5, /has no unit/],
    ["E_UNKNOWN_OPTION", 6, 25, /unknown option `unti` for counter\(\.\.\.\)\. Did you mean `unit`\?/],
    ["E_UNKNOWN_OPTION", 6, 71, /unknown option `bounds` for counter\(\.\.\.\)\. Only histogram takes `bounds`/],
  ],
  "reserved-key.ts": [
    ["E_BAD_KEY", 6, 5, /key `value` is reserved for a parameter or local variable/],
    ["E_BAD_KEY", 9, 5, /key `values` is reserved for a member of MetricSetBase/],
  ],
  "not-const.ts": [["E_NOT_CONST", 4, 12, /`metricSet\(\.\.\.\)` must initialize a plain `const`/]],
  "attribute-conflict.ts": [["E_ATTRIBUTE_CONFLICT", 10, 14, /attribute `method` is enum \[GET, PUT\] here but enum \[GET, POST\] in metric set `http\.server`/]],
  "no-metrics.ts": [
    ["E_EMPTY_ATTRIBUTE_SET", 4, 35, /attribute set `nothing\.attrs` declares no attributes/],
    ["E_NO_METRICS", 6, 31, /metric set `idle` declares no metrics/],
  ],
  "name-clash.ts": [
    [
      "E_NAME_CLASH",
      9,
      14,
      /generated identifier `HttpServerRequests` for field `requests` of metric set `api` is also generated for field `serverRequests` of metric set `web`/,
    ],
  ],
  "bad-arguments.ts": [
    ["E_BAD_VALUE", 5, 17, /maxInstances must be a positive integer, not 0/],
    ["E_BAD_ARGUMENT", 7, 27, /every value of oneOf\(\.\.\.\) must be a string, not the number 1/],
    ["E_BAD_ENUM_VALUE", 8, 18, /measurement attribute `zone` has an empty value/],
    ["E_BAD_ARGUMENT", 11, 51, /`brief` must be a string, not the number 42/],
    ["E_BAD_VALUE", 11, 62, /`value` must be one of "double", "int", not "float"/],
    ["E_BAD_VALUE", 12, 64, /`stability` must be one of "development", .*, not "ga"/],
    ["E_DUP_KEY", 13, 5, /duplicate key `heap`/],
    ["E_BAD_ARGUMENT", 17, 23, /`metricSet` takes 2 arguments, got 1/],
  ],
  "event-dup-name.ts": [["E_DUP_EVENT", 7, 67, /duplicate event name `job\.started` \(already used by `started` of event group `job`\)/]],
  "event-bad-name.ts": [["E_BAD_NAME", 6, 70, /invalid event name `Job-Started`: it contains uppercase letters\. Event names are constant lower\.dot\.case/]],
  "event-bad-severity.ts": [["E_BAD_SEVERITY", 6, 32, /unknown severity `notice` for event `job\.started`\. Use one of "debug", "info", "warn", "error", "fatal"/]],
  "event-max-length.ts": [
    ["E_MISSING_MAX_LENGTH", 6, 74, /string field `queue` of event `job\.started` has no maxLength\. Bound it/],
    ["E_MAX_LENGTH", 7, 109, /maxLength 5000 of string field `message` of event `job\.failed` is outside 1 to 4096/],
  ],
  "event-too-many-fields.ts": [["E_TOO_MANY_FIELDS", 6, 63, /event `wide\.many` has 65 fields, the limit is 64/]],
  "event-reserved-field.ts": [
    ["E_RESERVED_FIELD", 9, 17, /field `event_id` of event `job\.started` takes a name the stored event reserves/],
    ["E_RESERVED_FIELD", 9, 59, /field `severity` of event `job\.started`/],
    ["E_RESERVED_FIELD", 9, 113, /field `event_time` of event `job\.started`/],
  ],
  "does-not-exist.ts": [["E_NO_FILE", 1, 1, /cannot read the schema file test\/fixtures\/bad-schemas\/does-not-exist\.ts: no such file/]],
};

/** `path:line:col: error: <what>. <how to fix> [CODE]` */
const ERROR_LINE = /^(?<file>[^:]+):(?<line>\d+):(?<col>\d+): error: (?<message>.+\. [A-Z"`].+) \[(?<code>E_[A-Z_]+)\]$/;

/** Runs one case in `dir` and checks the output; `exec` is the in-process CLI or the real process. */
async function checkCase(fixture: string, expected: readonly Expected[], dir: string, exec: (args: string[]) => CliRun | Promise<CliRun>): Promise<void> {
  const out = join(dir, "existing.generated.ts");
  writeFileSync(out, "// written before the run; must survive it\n");
  const rel = (p: string) => relative(ROOT, p);
  const run = await exec([`${BAD}/${fixture}`, "--out", rel(out), "--semconv", rel(join(dir, "registry.yaml")), "--docs", rel(join(dir, "metrics.md"))]);

  expect(run.code).toBe(1);
  expect(run.stdout).toBe("");
  const got = run.stderr.trimEnd().split("\n");
  expect(got).toHaveLength(expected.length);
  got.forEach((line, i) => {
    const [code, l, c, message] = expected[i];
    const m = ERROR_LINE.exec(line);
    expect(m, line).not.toBeNull();
    expect({ ...m?.groups }).toMatchObject({ file: `${BAD}/${fixture}`, line: String(l), col: String(c), code });
    expect(m?.groups?.message).toMatch(message);
  });
  expect(readFileSync(out, "utf8")).toBe("// written before the run; must survive it\n");
  expect(readdirSync(dir)).toEqual(["existing.generated.ts"]);
}

describe("bad schemas", () => {
  it("has a fixture for every case and a case for every fixture", () => {
    const fixtures = readdirSync(join(ROOT, BAD)).sort();
    expect(fixtures).toEqual(
      Object.keys(CASES)
        .filter((f) => f !== "does-not-exist.ts")
        .sort(),
    );
  });

  for (const [fixture, expected] of Object.entries(CASES))
    it(`${fixture}: ${expected.map((e) => e[0]).join(", ")}`, () => checkCase(fixture, expected, scratchDir(`bad/${fixture}`), runInProcess));
});

describe.concurrent("bad schemas through the CLI process", () => {
  for (const fixture of ["dup-metric.ts", "syntax-error.ts.txt", "does-not-exist.ts", "missing-brief.ts"])
    it(fixture, () => checkCase(fixture, CASES[fixture], scratchDir(`bad-process/${fixture}`), runCli));
});

describe("errors as values", () => {
  it("generate() returns every error with its code and position, and writes nothing", () => {
    const result = generate({ schema: `${BAD}/bad-names.ts`, cwd: ROOT });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.code, e.file, e.line, e.col])).toEqual([
      ["E_BAD_NAME", `${BAD}/bad-names.ts`, 5, 35],
      ["E_BAD_NAME", `${BAD}/bad-names.ts`, 8, 31],
      ["E_BAD_NAME", `${BAD}/bad-names.ts`, 11, 77],
    ]);
    expect(existsSync(join(ROOT, BAD, "bad-names.generated.ts"))).toBe(false);
  });

  it("the cardinality budget follows --max-cardinality", async () => {
    expect(generate({ schema: `${BAD}/cardinality.ts`, cwd: ROOT, maxCardinality: 8000 }).ok).toBe(true);
    const dir = scratchDir("bad-budget");
    const run = await runCli([`${BAD}/cardinality.ts`, "--max-cardinality", "7999", "--out", relative(ROOT, join(dir, "x.ts"))]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("over the budget of 7999");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("bad command lines exit 2 with a usage error", async () => {
    const runs = await Promise.all([runCli([]), runCli([`${BAD}/dup-set.ts`, "--frobnicate"]), runCli(["examples/demo/schema.ts", "--out", "examples/demo/schema.ts"])]);
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2]);
    expect(runs[0].stderr).toMatch(/^telemetry-codegen: error: no schema file given\. .*\[E_USAGE\]\n$/);
    expect(runs[1].stderr).toMatch(/^telemetry-codegen: error: Unknown option '--frobnicate'\. Run telemetry-codegen --help\. \[E_USAGE\]\n$/);
    expect(runs[2].stderr).toMatch(/is the schema file itself/);
  });
});
