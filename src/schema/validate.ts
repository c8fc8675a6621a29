// Semantic rules of a schema, shared by the code generator (which feeds it what it read statically,
// with source positions as locators) and any runtime check (which may use property paths). The
// rules live here rather than in codegen so a schema means the same thing wherever it is checked.
import type { AttributeType } from "./attributes.ts";
import { NAME_RULE, defaultAttributeName, defaultMetricName, nameProblem } from "./naming.ts";
import { checkEventGroups } from "./validate-events.ts";
import { checkEnumValues } from "./validate-enum.ts";
import type { AttributeSetInput, FieldInput, KeyedInput, MetricSetInput, Report, SchemaInput, SchemaIssue } from "./schema-input.ts";

export type {
  AttributeInput,
  AttributeSetInput,
  EventFieldInput,
  EventGroupInput,
  EventInput,
  FieldInput,
  KeyedInput,
  Located,
  MeasureInput,
  MetricSetInput,
  Report,
  SchemaInput,
  SchemaIssue,
  SchemaIssueCode,
} from "./schema-input.ts";

/** Default budget for the product of a set's measurement-attribute value counts (slots per instance). */
export const DEFAULT_MAX_CARDINALITY = 2000;

export const attributeName = (a: KeyedInput<unknown>): string => a.name ?? defaultAttributeName(a.key);
export const metricName = (set: { name: string }, f: KeyedInput<unknown>): string => f.name ?? defaultMetricName(set.name, f.key);

/**
 * Accepted units, a practical subset of UCUM: `1`; annotations `{request}`; atoms of letters or `%`
 * with an optional prefix and integer exponent (`ms`, `By`, `KiBy`, `m2`, `s-1`, `[degF]`);
 * components joined by `.` (product) or `/` (division): `By/s`, `{request}/s`, `kg.m/s2`.
 * Not accepted: whitespace, parentheses, `*` factors, non-ASCII (write `us`, not `µs`).
 */
export function unitProblem(unit: string): string | undefined {
  if (unit === "") return 'it is empty (use "1" for a dimensionless value)';
  if (/\s/.test(unit)) return "it contains whitespace";
  const component = /(?:\d+|(?:[A-Za-z%]|\[[!-Z^-z|~]+\])+(?:[+-]?\d+)?)?(?:\{[!-z|~]*\})?/y;
  let i = unit[0] === "/" ? 1 : 0;
  for (;;) {
    component.lastIndex = i;
    const m = component.exec(unit);
    if (!m || m[0] === "") return `unexpected \`${unit[i] ?? "end"}\` at character ${i + 1}`;
    i += m[0].length;
    if (i === unit.length) return undefined;
    if (unit[i] !== "." && unit[i] !== "/") return `unexpected \`${unit[i]}\` at character ${i + 1}`;
    i++;
    if (i === unit.length) return "it ends with an operator";
  }
}

const NAME_HINT = "Set an explicit `name:` option or rename the property";

/** Checks every rule and returns all broken ones (empty when the schema is valid). */
export function validateSchema<L>(schema: SchemaInput<L>, options: { maxCardinality?: number } = {}): SchemaIssue<L>[] {
  const checker = new Checker<L>(options.maxCardinality ?? DEFAULT_MAX_CARDINALITY);
  for (const set of schema.attributeSets) checker.attributeSet(set);
  for (const set of schema.metricSets) checker.metricSet(set);
  checkEventGroups(schema.eventGroups ?? [], checker.report);
  return checker.issues;
}

class Checker<L> {
  readonly issues: SchemaIssue<L>[] = [];
  readonly report: Report<L> = (code, at, message, hint) => {
    this.issues.push({ code, at, message, hint });
  };
  private readonly conflicts = attributeConflictChecker(this.report);
  private readonly attributeSetNames = new Map<string, string>();
  private readonly metricSetNames = new Map<string, string>();
  /** Metric names are global: Prometheus and semconv know no sets. */
  private readonly metricNames = new Map<string, string>();

  constructor(private readonly budget: number) {}

  attributeSet(set: AttributeSetInput<L>): void {
    this.uniqueSetName("attribute set", set, this.attributeSetNames, "Give each attribute set its own name.");
    if (set.attributes.length === 0)
      this.report(
        "E_EMPTY_ATTRIBUTE_SET",
        set.nameAt,
        `attribute set \`${set.name}\` declares no attributes`,
        "Add at least one attribute, or drop `attributes:` from the metric set.",
      );
    const names = new Map<string, string>();
    for (const a of set.attributes) {
      const name = attributeName(a);
      const at = a.nameAt ?? a.at;
      this.name("attribute", name, at, a.name !== undefined);
      this.brief(`attribute \`${a.key}\``, a.brief, a.at);
      const other = names.get(name);
      if (other !== undefined)
        this.report("E_DUP_ATTRIBUTE", at, `duplicate attribute name \`${name}\` in attribute set \`${set.name}\` (also used by \`${other}\`)`, NAME_HINT + ".");
      else {
        names.set(name, a.key);
        this.conflicts(name, a.type, undefined, at, `attribute set \`${set.name}\``);
      }
    }
  }

  metricSet(set: MetricSetInput<L>): void {
    this.uniqueSetName("metric set", set, this.metricSetNames, "Give each metric set its own name; it prefixes every metric name of the set.");
    const attrNames = new Map<string, string>();
    for (const a of set.attributeSet?.attributes ?? []) attrNames.set(attributeName(a), `entity attribute \`${a.key}\``);
    for (const m of set.measures) {
      const name = attributeName(m);
      const at = m.nameAt ?? m.at;
      this.name("attribute", name, at, m.name !== undefined);
      this.brief(`measurement attribute \`${m.key}\``, m.brief, m.at);
      const other = attrNames.get(name);
      if (other !== undefined)
        this.report(
          "E_DUP_ATTRIBUTE",
          at,
          `duplicate attribute name \`${name}\` in metric set \`${set.name}\` (also used by ${other})`,
          NAME_HINT + "; entity and measurement attributes of a set share one namespace.",
        );
      else {
        attrNames.set(name, `measurement attribute \`${m.key}\``);
        this.conflicts(
          name,
          "enum",
          m.values.map((v) => v.value),
          at,
          `metric set \`${set.name}\``,
        );
      }
      checkEnumValues(m, this.report);
    }
    const cardinality = set.measures.reduce((product, m) => product * Math.max(1, m.values.length), 1);
    if (cardinality > this.budget && set.measureAt !== undefined) {
      const product = set.measures.map((m) => m.values.length).join(" x ");
      this.report(
        "E_CARDINALITY",
        set.measureAt,
        `metric set \`${set.name}\` has ${cardinality} measurement slots (${product}), over the budget of ${this.budget}`,
        "Remove values or measures, move an unbounded attribute to the entity attributes, or raise the budget with --max-cardinality.",
      );
    }
    if (set.fields.length === 0)
      this.report("E_NO_METRICS", set.nameAt, `metric set \`${set.name}\` declares no metrics`, "Add at least one instrument under `metrics:`.");
    for (const f of set.fields) this.field(set, f);
  }

  private field(set: MetricSetInput<L>, f: FieldInput<L>): void {
    const name = metricName(set, f);
    this.name("metric", name, f.nameAt ?? f.at, f.name !== undefined);
    const other = this.metricNames.get(name);
    if (other !== undefined)
      this.report("E_DUP_METRIC", f.nameAt ?? f.at, `duplicate metric name \`${name}\` (already used by ${other})`, NAME_HINT + " so every metric has its own name.");
    else this.metricNames.set(name, `\`${f.key}\` of metric set \`${set.name}\``);
    if (f.unit === undefined)
      this.report("E_MISSING_UNIT", f.at, `metric \`${name}\` has no unit`, 'Add `unit:` with a UCUM unit, e.g. "ms", "By", "{request}", or "1" for a plain count.');
    else {
      const problem = unitProblem(f.unit);
      if (problem)
        this.report(
          "E_BAD_UNIT",
          f.unitAt ?? f.at,
          `invalid unit \`${f.unit}\` for metric \`${name}\`: ${problem}`,
          'Use UCUM syntax, e.g. "1", "ms", "By", "KiBy", "{request}", "By/s".',
        );
    }
    this.brief(`metric \`${name}\``, f.brief, f.at);
    if (f.instrument === "histogram") checkBounds(name, f, this.report);
  }

  private uniqueSetName(kind: string, set: { name: string; nameAt: L; declaredAs?: string }, seen: Map<string, string>, hint: string): void {
    this.name(kind, set.name, set.nameAt, true);
    const other = seen.get(set.name);
    if (other !== undefined) this.report("E_DUP_SET", set.nameAt, `duplicate ${kind} name \`${set.name}\` (also declared by \`${other}\`)`, hint);
    else seen.set(set.name, set.declaredAs ?? set.name);
  }

  private name(what: string, name: string, at: L, explicit: boolean): void {
    const problem = nameProblem(name);
    if (problem) this.report("E_BAD_NAME", at, `invalid ${what} name \`${name}\`: ${problem}`, `${explicit ? "Use" : NAME_HINT + "; names use"} ${NAME_RULE}.`);
  }

  private brief(what: string, brief: string | undefined, at: L): void {
    if (brief === undefined || brief.trim() === "")
      this.report(
        "E_MISSING_BRIEF",
        at,
        `${what} has ${brief === undefined ? "no" : "an empty"} brief`,
        "Add a one-sentence description; it becomes the docs, the JSDoc and the semconv `brief`.",
      );
  }
}

function checkBounds<L>(name: string, f: FieldInput<L>, report: Report<L>): void {
  const bounds = f.bounds ?? [];
  if (bounds.length === 0) {
    report(
      "E_EMPTY_BOUNDS",
      f.boundsAt ?? f.at,
      `histogram \`${name}\` has no bucket bounds`,
      "Give `bounds:` at least one finite upper bound, e.g. [1, 5, 10, 50, 100].",
    );
    return;
  }
  let previous: number | undefined;
  for (const b of bounds) {
    if (!Number.isFinite(b.value)) {
      report(
        "E_BOUND_NOT_FINITE",
        b.at,
        `histogram \`${name}\` has a non-finite bound (${b.value})`,
        "Bounds must be finite; values above the last bound already land in the overflow bucket.",
      );
      continue;
    }
    if (previous !== undefined && b.value <= previous)
      report(
        "E_BOUNDS_ORDER",
        b.at,
        `histogram \`${name}\` bounds are not strictly increasing: ${b.value} follows ${previous}`,
        "Sort the bounds in increasing order and remove repeated ones.",
      );
    previous = b.value;
  }
}

/** An attribute name must mean the same thing (type, enum values) everywhere in the schema. */
function attributeConflictChecker<L>(report: Report<L>) {
  const seen = new Map<string, { signature: string; where: string }>();
  return (name: string, type: AttributeType | "enum", values: readonly string[] | undefined, at: L, where: string): void => {
    const signature = values ? `enum [${values.join(", ")}]` : type;
    const first = seen.get(name);
    if (first === undefined) seen.set(name, { signature, where });
    else if (first.signature !== signature)
      report(
        "E_ATTRIBUTE_CONFLICT",
        at,
        `attribute \`${name}\` is ${signature} here but ${first.signature} in ${first.where}`,
        "Use the same type and values everywhere, or give one of them a different `name:`.",
      );
  };
}
