// Typed access to the arguments and option objects of DSL calls. Every accessor distinguishes
// "absent" (the rules decide: default or required) from "present but unreadable" (already reported
// here; a harmless fallback is returned so one mistake does not cascade into a second error).
import type { Node } from "ts-morph";
import { INSTRUMENT_FUNCTIONS } from "../src/schema/instruments.ts";
import { DSL_FUNCTIONS, type ReadContext, SCHEMA_MODULE, snippet } from "./read-context.ts";
import type { DslCall, ForeignCall, ObjectEntry, StaticValue } from "./static-value.ts";

type Args = readonly (StaticValue | undefined)[];
const INSTRUMENT_LIST = Object.keys(INSTRUMENT_FUNCTIONS).join(", ");

export class OptionReader {
  constructor(private readonly ctx: ReadContext) {}

  args(call: DslCall, min: number, max: number, usage: string): Args {
    const n = call.args.length;
    if (n < min || n > max)
      this.ctx.report(
        "E_BAD_ARGUMENT",
        call.node,
        `\`${call.fn}\` takes ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? "" : "s"}, got ${n}`,
        `Call it as ${usage}.`,
      );
    return call.args;
  }

  /** Argument `i` as a string: undefined when not passed, "?" when unreadable (already reported). */
  stringArg(args: Args, i: number, what: string): string | undefined {
    return i < args.length ? this.string(args[i], what, "?") : undefined;
  }

  string<F extends string | undefined>(v: StaticValue | undefined, what: string, fallback: F): string | F {
    if (v?.kind === "string") return v.value;
    this.wrong(v, "a string", what);
    return fallback;
  }

  objectEntries(v: StaticValue | undefined, what: string): readonly ObjectEntry[] {
    if (v?.kind === "object") return v.entries;
    this.wrong(v, "an object literal", what);
    return [];
  }

  arrayItems(v: StaticValue | undefined, what: string): Args {
    if (v?.kind === "array") return v.items;
    this.wrong(v, "an array literal", what);
    return [];
  }

  /** Argument `i` as an options object; an argument that is present but unreadable makes every option "unknown". */
  optionsArg(args: Args, i: number, allowed: readonly string[], owner: string): Options {
    return this.options(args[i], allowed, owner, i >= args.length);
  }

  options(v: StaticValue | undefined, allowed: readonly string[], owner: string, absent = false): Options {
    const entries = this.objectEntries(v, `the options of ${owner}`);
    const complete = absent || (v?.kind === "object" && v.complete);
    for (const e of entries) {
      if (allowed.includes(e.key)) continue;
      const near = allowed.find((a) => editDistance(a, e.key) <= 2);
      const hint = e.key === "bounds" ? "Only histogram takes `bounds`." : near ? `Did you mean \`${near}\`?` : `Known options: ${allowed.join(", ")}.`;
      this.ctx.report("E_UNKNOWN_OPTION", e.keyNode, `unknown option \`${e.key}\` for ${owner}`, hint);
    }
    return new Options(this, new Map(entries.map((e) => [e.key, e])), complete);
  }

  /** Reports a value of the wrong kind; undefined means it was already reported (or is absent). */
  wrong(v: StaticValue | undefined, expected: string, what: string): undefined {
    if (v === undefined) return undefined;
    if (v.kind === "call") return this.foreignCall(v, false);
    return this.ctx.report("E_BAD_ARGUMENT", v.node, `${what} must be ${expected}, not ${describe(v)}`, `Write ${expected} here.`);
  }

  /** Something under `metrics:` that is not an instrument call. */
  notInstrument(v: StaticValue | undefined, key: string): undefined {
    if (v === undefined) return undefined;
    if (v.kind === "call") return this.foreignCall(v, true);
    const what = v.kind === "dsl" ? `\`${v.fn}(...)\`` : describe(v);
    return this.ctx.report(
      "E_UNKNOWN_INSTRUMENT",
      v.node,
      `metric \`${key}\` is ${what}, not an instrument`,
      `Use one of ${INSTRUMENT_LIST}, imported from ${SCHEMA_MODULE}.`,
    );
  }

  private foreignCall(v: ForeignCall, instrument: boolean): undefined {
    const known = DSL_FUNCTIONS.includes(v.callee);
    if (v.importedFrom !== undefined && (known || instrument))
      return this.ctx.report(
        "E_UNKNOWN_IMPORT",
        v.node,
        `\`${v.callee}\` is imported from "${v.importedFrom}", not from ${SCHEMA_MODULE}`,
        `The generator understands only the functions of ${SCHEMA_MODULE}; import \`${v.callee}\` from there.`,
      );
    if (instrument)
      return this.ctx.report(
        "E_UNKNOWN_INSTRUMENT",
        v.node,
        `\`${v.callee}\` is not an instrument`,
        known ? `Add \`${v.callee}\` to the import from ${SCHEMA_MODULE}.` : `Use one of ${INSTRUMENT_LIST}, imported from ${SCHEMA_MODULE}.`,
      );
    return this.ctx.report(
      "E_UNRESOLVABLE",
      v.node,
      `cannot evaluate the call \`${snippet(v.node)}\` statically`,
      "The schema is never executed: write the value as a literal or as a top-level const of this file.",
    );
  }

  report(node: Node, message: string, hint: string): undefined {
    return this.ctx.report("E_BAD_VALUE", node, message, hint);
  }
}

/** The options object of one DSL call. */
export class Options {
  constructor(
    private readonly reader: OptionReader,
    private readonly entries: ReadonlyMap<string, ObjectEntry>,
    /** False when part of the object was unreadable (already reported). */
    private readonly complete: boolean,
  ) {}

  has(key: string): boolean {
    return this.entries.has(key);
  }

  value(key: string): StaticValue | undefined {
    return this.entries.get(key)?.value;
  }

  keyNode(key: string): Node | undefined {
    return this.entries.get(key)?.keyNode;
  }

  /** Where to point for a problem with this option: its value, or its key when the value is unreadable. */
  node(key: string): Node | undefined {
    const e = this.entries.get(key);
    return e?.value?.node ?? e?.keyNode;
  }

  /** Absent: undefined (the rules decide), unless the object was only partly readable - then `fallback`. */
  string<F extends string | undefined>(key: string, fallback: F): string | F | undefined {
    if (this.has(key)) return this.reader.string(this.value(key), `\`${key}\``, fallback);
    return this.complete ? undefined : fallback;
  }

  number(key: string, absent: number): number {
    const v = this.value(key);
    if (!this.has(key)) return absent;
    if (v?.kind === "number") return v.value;
    this.reader.wrong(v, "a number", `\`${key}\``);
    return absent;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], absent: T): T {
    const v = this.value(key);
    if (!this.has(key)) return absent;
    if (v?.kind !== "string") {
      this.reader.wrong(v, "a string", `\`${key}\``);
      return absent;
    }
    if ((allowed as readonly string[]).includes(v.value)) return v.value as T;
    this.reader.report(
      v.node,
      `\`${key}\` must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, not "${v.value}"`,
      `Use one of the listed values (default "${absent}").`,
    );
    return absent;
  }
}

function describe(v: StaticValue): string {
  switch (v.kind) {
    case "string":
      return `the string ${JSON.stringify(v.value)}`;
    case "number":
      return `the number ${v.value}`;
    case "boolean":
      return `\`${v.value}\``;
    case "array":
      return "an array";
    case "object":
      return "an object";
    case "dsl":
      return `a ${v.fn}(...) call`;
    case "call":
      return `a call to ${v.callee}`;
  }
}

/** Levenshtein distance, for "did you mean" hints on option typos. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
