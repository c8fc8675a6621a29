// Turns the statically read DSL calls into the plain schema shape that src/schema/validate.ts
// checks, attaching source positions as locators. This layer owns the *shape* of the DSL (argument
// counts, option names and types); the *meaning* (names, duplicates, bounds, budgets) is left to
// the shared validator so both rule sets stay small.
import { ATTRIBUTE_FUNCTIONS, type AttributeType } from "../src/schema/attributes.ts";
import { INSTRUMENT_FUNCTIONS, type Stability, type ValueType } from "../src/schema/instruments.ts";
import type { AttributeInput, AttributeSetInput, FieldInput, Located, MeasureInput, MetricSetInput } from "../src/schema/validate.ts";
import type { Position } from "./errors.ts";
import { OptionReader, type Options } from "./option-reader.ts";
import type { ReadContext } from "./read-context.ts";
import type { DslCall, ObjectEntry } from "./static-value.ts";

const VALUE_TYPES: readonly ValueType[] = ["double", "int"];
const STABILITIES: readonly Stability[] = ["development", "alpha", "beta", "release_candidate", "stable"];
const INSTRUMENT_OPTIONS = ["unit", "brief", "name", "value", "stability", "note"];
const ATTRIBUTE_OPTIONS = ["name", "note"];
const SET_OPTIONS = ["attributes", "measure", "metrics", "brief", "maxInstances"];
export const DEFAULT_MAX_INSTANCES = 2000;

export class Interpreter {
  /** Every attribute set met so far, top-level and inline, in the order first met. */
  readonly attributeSets: AttributeSetInput<Position>[] = [];
  private readonly byCall = new Map<DslCall, AttributeSetInput<Position>>();
  private readonly opts: OptionReader;

  constructor(private readonly ctx: ReadContext) {
    this.opts = new OptionReader(ctx);
  }

  attributeSet(call: DslCall): AttributeSetInput<Position> {
    const known = this.byCall.get(call);
    if (known) return known;
    const [nameV, attrsV] = this.opts.args(call, 2, 2, 'attributes("name", { key: str("brief") })');
    const attributes: AttributeInput<Position>[] = [];
    for (const entry of this.opts.objectEntries(attrsV, "the attributes of an attribute set")) {
      const v = entry.value;
      if (v?.kind === "dsl" && Object.hasOwn(ATTRIBUTE_FUNCTIONS, v.fn)) attributes.push(this.attribute(entry, v, ATTRIBUTE_FUNCTIONS[v.fn]));
      else if (v?.kind === "dsl" && v.fn === "oneOf")
        this.ctx.report(
          "E_BAD_ARGUMENT",
          v.node,
          `\`${entry.key}\`: oneOf(...) declares a measurement attribute, not an entity attribute`,
          "Move it under `measure:` of the metric set, or use str(), int(), double() or bool() here.",
        );
      else this.opts.wrong(v, "str(...), int(...), double(...) or bool(...)", `entity attribute \`${entry.key}\``);
    }
    const set: AttributeSetInput<Position> = {
      name: this.opts.string(nameV, "the attribute set name", "unresolved"),
      nameAt: this.ctx.position(nameV?.node ?? call.node),
      declaredAs: call.declaredAs,
      attributes,
    };
    this.byCall.set(call, set);
    this.attributeSets.push(set);
    return set;
  }

  metricSet(call: DslCall): MetricSetInput<Position> | undefined {
    const [nameV, optionsV] = this.opts.args(call, 2, 2, 'metricSet("name", { metrics: { ... } })');
    // Without readable options (already reported) every further rule would only echo that error.
    if (optionsV === undefined) return undefined;
    const o = this.opts.options(optionsV, SET_OPTIONS, "metricSet");
    let attributeSet: AttributeSetInput<Position> | undefined;
    const attrs = o.value("attributes");
    if (attrs?.kind === "dsl" && attrs.fn === "attributes") attributeSet = this.attributeSet(attrs);
    else this.opts.wrong(attrs, "an attributes(...) call or a const holding one", "`attributes`");
    const measures: MeasureInput<Position>[] = [];
    for (const entry of this.opts.objectEntries(o.value("measure"), "`measure`")) {
      const v = entry.value;
      if (v?.kind === "dsl" && v.fn === "oneOf") measures.push(this.measure(entry, v));
      else this.opts.wrong(v, "a oneOf([...], brief) call", `measurement attribute \`${entry.key}\``);
    }
    const fields: FieldInput<Position>[] = [];
    for (const entry of this.opts.objectEntries(o.value("metrics"), "`metrics`")) {
      const v = entry.value;
      if (v?.kind === "dsl" && Object.hasOwn(INSTRUMENT_FUNCTIONS, v.fn)) fields.push(this.field(entry, v));
      else this.opts.notInstrument(v, entry.key);
    }
    const maxInstances = o.number("maxInstances", DEFAULT_MAX_INSTANCES);
    if (!Number.isInteger(maxInstances) || maxInstances < 1)
      this.ctx.report(
        "E_BAD_VALUE",
        o.node("maxInstances") ?? call.node,
        `maxInstances must be a positive integer, not ${maxInstances}`,
        "Give the number of live instances per thread before new ones fold into the overflow instance.",
      );
    const measureKey = o.keyNode("measure");
    return {
      name: this.opts.string(nameV, "the metric set name", "unresolved"),
      nameAt: this.ctx.position(nameV?.node ?? call.node),
      declaredAs: call.declaredAs,
      brief: o.string("brief", undefined),
      attributeSet,
      measures,
      measureAt: measureKey ? this.ctx.position(measureKey) : undefined,
      fields,
      maxInstances,
    };
  }

  private attribute(entry: ObjectEntry, call: DslCall, type: AttributeType): AttributeInput<Position> {
    const args = this.opts.args(call, 0, 2, `${call.fn}("brief", { name })`);
    const o = this.opts.optionsArg(args, 1, ATTRIBUTE_OPTIONS, `${call.fn}(...)`);
    return {
      key: entry.key,
      at: this.ctx.position(entry.keyNode),
      ...this.explicitName(o),
      type,
      brief: this.opts.stringArg(args, 0, "the brief"),
      note: o.string("note", undefined),
    };
  }

  private measure(entry: ObjectEntry, call: DslCall): MeasureInput<Position> {
    const args = this.opts.args(call, 0, 3, 'oneOf(["A", "B"], "brief", { name })');
    const valuesV = args[0];
    const o = this.opts.optionsArg(args, 2, ATTRIBUTE_OPTIONS, "oneOf(...)");
    const values: Located<string, Position>[] = [];
    for (const item of this.opts.arrayItems(valuesV, "the values of oneOf(...)")) {
      if (item?.kind === "string") values.push({ value: item.value, at: this.ctx.position(item.node) });
      else this.opts.wrong(item, "a string", "every value of oneOf(...)");
    }
    return {
      key: entry.key,
      at: this.ctx.position(entry.keyNode),
      ...this.explicitName(o),
      values,
      valuesAt: this.ctx.position(valuesV?.node ?? call.node),
      brief: this.opts.stringArg(args, 1, "the brief"),
      note: o.string("note", undefined),
    };
  }

  private field(entry: ObjectEntry, call: DslCall): FieldInput<Position> {
    const instrument = INSTRUMENT_FUNCTIONS[call.fn];
    const args = this.opts.args(call, 0, 1, `${call.fn}({ unit: "...", brief: "..." })`);
    const allowed = instrument === "histogram" ? [...INSTRUMENT_OPTIONS, "bounds"] : INSTRUMENT_OPTIONS;
    const o = this.opts.optionsArg(args, 0, allowed, `${call.fn}(...)`);
    let bounds: Located<number, Position>[] | undefined;
    if (instrument === "histogram" && o.has("bounds")) {
      bounds = [];
      for (const item of this.opts.arrayItems(o.value("bounds"), "`bounds`")) {
        if (item?.kind === "number") bounds.push({ value: item.value, at: this.ctx.position(item.node) });
        else this.opts.wrong(item, "a number", "every bound");
      }
    }
    const unitNode = o.node("unit");
    const boundsNode = o.node("bounds");
    return {
      key: entry.key,
      at: this.ctx.position(entry.keyNode),
      ...this.explicitName(o),
      instrument,
      unit: o.string("unit", "1"),
      unitAt: unitNode ? this.ctx.position(unitNode) : undefined,
      brief: o.string("brief", "?"),
      valueType: o.oneOf("value", VALUE_TYPES, "double"),
      stability: o.oneOf("stability", STABILITIES, "development"),
      note: o.string("note", undefined),
      bounds,
      boundsAt: boundsNode ? this.ctx.position(boundsNode) : undefined,
    };
  }

  private explicitName(o: Options): { name?: string; nameAt?: Position } {
    const node = o.node("name");
    const name = o.string("name", undefined);
    return name === undefined || !node ? {} : { name, nameAt: this.ctx.position(node) };
  }
}
