// One class per field of a metric set. The methods are the hot path, so they are plain indexed
// stores into the instance's Float64Array with the field offset baked in as a literal; the only
// work besides the store is the slot arithmetic and the validity check, which counts bad input
// in the region's invalid element instead of throwing.
import type { FieldDescriptor } from "../src/schema/descriptor.ts";
import { COUNTER_CARRY, MMSC_COUNT, MMSC_EPOCH, MMSC_MAX, MMSC_MIN, MMSC_SUM } from "../src/schema/layout.ts";
import type { InstrumentKind } from "../src/schema/instruments.ts";
import type { SetIdentifiers } from "./identifiers.ts";
import { commentSafe, literal, sentence } from "./text.ts";

export interface FieldContext {
  readonly ids: SetIdentifiers;
  /** Measurement-attribute keys in slot order (first is most significant). */
  readonly measureKeys: readonly string[];
}

const KIND_LABEL: Record<InstrumentKind, string> = {
  counter: "Counter",
  upDownCounter: "Up-down counter",
  gauge: "Gauge",
  histogram: "Histogram",
  mmsc: "Min/max/sum/count",
};

/** `Requests handled. Counter `x.requests`, unit `{request}`[, int][, bounds [...]].` */
export function fieldDoc(f: FieldDescriptor, withBounds: boolean): string {
  const int = f.valueType === "int" ? ", int" : "";
  const bounds = withBounds && f.bounds ? `, bounds ${literal(f.bounds)}` : "";
  return commentSafe(`${sentence(f.brief)} ${KIND_LABEL[f.instrument]} \`${f.name}\`, unit \`${f.unit}\`${int}${bounds}.`);
}

export function emitField(ctx: FieldContext, f: FieldDescriptor): string[] {
  const { ids } = ctx;
  const out: string[] = [];
  // A Float64Array, not an array literal: integer bounds would make a Smi array, and comparing a
  // double against Smi elements converts on every step (measured about 15% slower per record).
  if (f.instrument === "histogram") out.push(`const ${ids.boundsConst(f.key)} = new Float64Array(${literal(f.bounds ?? [])});`, "");
  const hasSlot = ctx.measureKeys.length > 0;
  // With measurement attributes, a bound handle (`at(...)`) per field: its slot is resolved once,
  // so recording through it costs what a field without attributes costs.
  if (hasSlot) out.push(...emitClass(ctx, f, "bound"), "");
  out.push(...emitClass(ctx, f, hasSlot ? "call" : "plain"));
  return out;
}

/**
 * "plain": no measurement attributes. "call": the measurement attributes are parameters of every
 * method, resolved to a slot per call. "bound": the slot was resolved by `at(...)` and is a field.
 */
type Mode = "plain" | "call" | "bound";

function emitClass(ctx: FieldContext, f: FieldDescriptor, mode: Mode): string[] {
  const { ids } = ctx;
  const hasSlot = mode !== "plain";
  const measureParams = mode === "call" ? ctx.measureKeys.map((k) => `${k}: ${ids.enumType(k)}`) : [];
  const params = (first?: string): string => [...(first ? [first] : []), ...measureParams].join(", ");
  const slotLine = mode === "call" ? [`    const s = ${ids.slotFunction}(${ctx.measureKeys.join(", ")});`] : mode === "bound" ? ["    const s = this.s;"] : [];
  /** A resolved slot may be unknown only per call; `at(...)` refuses unknown values up front. */
  const checked = mode === "call";
  /** Index expression of element `k` of this field, plus an optional variable part. */
  const idx = (k: number, extra?: string): string => {
    const n = f.offset + k;
    const terms = [...(hasSlot ? ["s"] : []), ...(n !== 0 || (!hasSlot && !extra) ? [String(n)] : []), ...(extra ? [extra] : [])];
    return terms.join(" + ");
  };
  const invalid = `this.v[${ids.invalidConst}]!++;`;
  const int = f.valueType === "int";
  /** A guarded single store: `if (ok) <store> else <count invalid>`. */
  const guarded = (valueName: string, ok: string, store: string): string[] => {
    const cond = [...(checked ? ["s >= 0"] : []), `typeof ${valueName} === "number"`, ok].join(" && ");
    return [...slotLine, `    if (${cond}) ${store}`, `    else ${invalid}`];
  };
  /** The rejecting prologue of record(): bad slot or bad value -> count and return. */
  const rejecting = (): string[] => {
    const bad = [...(checked ? ["s < 0"] : []), `typeof value !== "number"`, "value - value !== 0", ...(int ? ["Math.floor(value) !== value"] : [])].join(" || ");
    return [...slotLine, `    if (${bad}) {`, `      ${invalid}`, "      return;", "    }"];
  };
  const recordDoc = `  /** Records one value (${int ? "a whole number; anything else is" : "finite; NaN, infinities and non-numbers are"} dropped and counted). */`;
  const mmsc = f.instrument === "mmsc";

  const cls = mode === "bound" ? ids.boundClass(f.key) : ids.fieldClass(f.key);
  const out: string[] = [];
  const doc = mode === "bound" ? `${fieldDoc(f, true)} Bound to one combination of measurement attributes by \`at(...)\`.` : fieldDoc(f, true);
  out.push(`/** ${doc} */`, `export class ${cls} {`);
  // Plain fields assigned in the constructor, not parameter properties: erasable syntax, so the
  // module runs under Node's built-in type stripping (Node >= 22.18).
  const members: [string, string][] = [
    ["v", "Float64Array"],
    ...(mode === "bound" ? [["s", "number"] as [string, string]] : []),
    ...(mmsc ? [["epoch", "Int32Array"] as [string, string]] : []),
  ];
  for (const [name, type] of members) out.push(`  private readonly ${name}: ${type};`);
  out.push("  /** @internal */", `  constructor(${members.map(([n, t]) => `${n}: ${t}`).join(", ")}) {`, ...members.map(([n]) => `    this.${n} = ${n};`), "  }");
  switch (f.instrument) {
    case "counter": {
      // Int counters are [low, high]: low + n stays below 2^52 except on the rare carry
      // (counterCarry, see layout.ts). Double counters are one Float64, like the other instruments.
      const store = (n: string): string[] =>
        int
          ? [`const x = this.v[${idx(0)}]! + ${n};`, `if (x < ${COUNTER_CARRY}) this.v[${idx(0)}] = x;`, `else counterCarry(this.v, ${idx(0)}, ${n});`]
          : [n === "1" ? `this.v[${idx(0)}]!++;` : `this.v[${idx(0)}]! += ${n};`];
      out.push("  /** Adds 1. */", `  inc(${params()}): void {`);
      out.push(...guardedBlock(slotLine, checked ? "s >= 0" : "", store("1"), invalid), "  }");
      out.push(`  /** Adds \`n\` (${int ? "a whole number >= 0" : "finite, >= 0"}; anything else is dropped and counted). */`, `  add(${params("n: number")}): void {`);
      const ok = [
        ...(checked ? ["s >= 0"] : []),
        `typeof n === "number"`,
        ...(int ? ["n >= 0 && Math.floor(n) === n && n < Infinity"] : ["n >= 0 && n < Infinity"]),
      ].join(" && ");
      out.push(...guardedBlock(slotLine, ok, store("n"), invalid), "  }");
      break;
    }
    case "upDownCounter":
      out.push(
        `  /** Adds \`n\` (${int ? "a whole number, any sign; anything else is" : "finite, any sign; NaN, infinities and non-numbers are"} dropped and counted). */`,
        `  add(${params("n: number")}): void {`,
      );
      out.push(...guarded("n", int ? "n - n === 0 && Math.floor(n) === n" : "n - n === 0", `this.v[${idx(0)}]! += n;`), "  }");
      break;
    case "gauge":
      out.push(
        `  /** Sets the current value (${int ? "a whole number; anything else is" : "finite; NaN, infinities and non-numbers are"} dropped and counted). */`,
        `  set(${params("value: number")}): void {`,
      );
      out.push(...guarded("value", int ? "value - value === 0 && Math.floor(value) === value" : "value - value === 0", `this.v[${idx(0)}] = value;`), "  }");
      break;
    case "histogram": {
      const n = f.bounds?.length ?? 0;
      out.push(recordDoc, `  record(${params("value: number")}): void {`, ...rejecting());
      out.push("    let b = 0;", `    while (b < ${n} && value > ${ids.boundsConst(f.key)}[b]!) b++;`);
      // Count last: the collector reads the count first and folds the field only when it moved.
      out.push(`    this.v[${idx(0, "b")}]!++;`, `    this.v[${idx(n + 1)}]! += value;`, `    this.v[${idx(n + 2)}]!++;`, "  }");
      break;
    }
    case "mmsc": {
      const o = (k: number): string => (k === 0 ? "o" : `o + ${k}`);
      out.push(recordDoc, `  record(${params("value: number")}): void {`, ...rejecting());
      out.push("    const v = this.v;", `    const o = ${idx(0)};`, "    const e = this.epoch[0]!;");
      out.push(
        `    if (v[${o(MMSC_EPOCH)}] !== e) {`,
        `      v[${o(MMSC_EPOCH)}] = e;`,
        `      v[${o(MMSC_MIN)}] = value;`,
        `      v[${o(MMSC_MAX)}] = value;`,
        "    } else {",
      );
      out.push(`      if (value < v[${o(MMSC_MIN)}]!) v[${o(MMSC_MIN)}] = value;`, `      if (value > v[${o(MMSC_MAX)}]!) v[${o(MMSC_MAX)}] = value;`, "    }");
      out.push(`    v[${o(MMSC_SUM)}]! += value;`, `    v[${o(MMSC_COUNT)}]!++;`, "  }");
      break;
    }
  }
  if (mode === "call") {
    const keys = ctx.measureKeys.join(", ");
    out.push(
      "  /**",
      `   * A handle bound to one (${keys}): its methods skip resolving the attributes, so recording`,
      "   * through it costs what a field without attributes costs. Make it once and keep it.",
      "   * Throws RangeError for a value outside the enum (only possible from untyped callers).",
      "   */",
      `  at(${measureParams.join(", ")}): ${ids.boundClass(f.key)} {`,
      `    const s = ${ids.slotFunction}(${keys});`,
      `    if (s < 0) throw new RangeError(\`${f.name}: unknown measurement attribute value in (\${[${keys}].join(", ")})\`);`,
      `    return new ${ids.boundClass(f.key)}(this.v, s${mmsc ? ", this.epoch" : ""});`,
      "  }",
    );
  }
  out.push("}");
  return out;
}

/** `if (ok) { body } else <count invalid>`, or just the body when there is nothing to check. */
function guardedBlock(slotLine: string[], ok: string, body: string[], invalid: string): string[] {
  if (!ok) return [...slotLine, ...body.map((l) => `    ${l}`)];
  if (body.length === 1) return [...slotLine, `    if (${ok}) ${body[0]}`, `    else ${invalid}`];
  return [...slotLine, `    if (${ok}) {`, ...body.map((l) => `      ${l}`), "    } else {", `      ${invalid}`, "    }"];
}
