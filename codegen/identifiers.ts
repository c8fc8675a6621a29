// The identifiers the generated module declares, derived from the schema's const names and
// property keys. They are computed in one place so the emitter and the clash check agree: two
// schema entries that would generate the same identifier are reported instead of producing a
// module that does not compile.
import type { EventGroupInput, MetricSetInput, SchemaInput } from "../src/schema/validate.ts";
import { type CodegenError, type Position, codegenError } from "./errors.ts";

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Members of MetricSetBase (and `constructor`): a field with one of these keys would shadow them. */
const RESERVED_FIELD_KEYS = ["descriptor", "values", "epoch", "overflow", "constructor"];
/** Parameter and local names of the generated methods, plus words that cannot be parameters. */
const RESERVED_MEASURE_KEYS = [
  ..."n value s v o e b arguments eval".split(" "),
  ..."break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await".split(
    " ",
  ),
];
/** Names the module imports, always declares, or uses from the global scope. */
const FIXED = [
  "MetricSetBase",
  "checkRuntime",
  "MetricSetDescriptor",
  "SCHEMA_HASH",
  "DESCRIPTORS",
  "Float64Array",
  "Int32Array",
  "Math",
  "Infinity",
  "EventGroupBase",
  "EventGroupDescriptor",
  "EmitterOptions",
  "EVENT_DESCRIPTORS",
  "Number",
];
/** Members of EventGroupBase (and `constructor`): an event with one of these keys would shadow them. */
const RESERVED_EVENT_KEYS = ["descriptor", "ring", "tag", "level", "constructor", "names"];

const upperFirst = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);
/** `HttpServer` -> `HTTP_SERVER`, `payloadSize` -> `PAYLOAD_SIZE` (same split rule as metric names). */
export const constantCase = (s: string): string => s.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();

/** Identifiers generated for one metric set (`className` is the schema's const name). */
export class SetIdentifiers {
  readonly className: string;
  constructor(readonly set: MetricSetInput<unknown>) {
    this.className = set.declaredAs ?? "UnnamedSet";
  }
  get descriptor(): string {
    return `${this.className}Descriptor`;
  }
  get slotFunction(): string {
    return `${lowerFirst(this.className)}Slot`;
  }
  get invalidConst(): string {
    return `${constantCase(this.className)}_INVALID`;
  }
  /** Interface of the entity attributes: the attribute set's const name, or `<Set>Attributes` when inline. */
  get attributesInterface(): string | undefined {
    const a = this.set.attributeSet;
    return a ? (a.declaredAs ?? `${this.className}Attributes`) : undefined;
  }
  enumType(key: string): string {
    return `${this.className}${upperFirst(key)}`;
  }
  indexFunction(key: string): string {
    return `${lowerFirst(this.className)}${upperFirst(key)}Index`;
  }
  fieldClass(key: string): string {
    return `${this.className}${upperFirst(key)}`;
  }
  /** The handle class `at(...)` returns for a field of a set with measurement attributes. */
  boundClass(key: string): string {
    return `${this.className}${upperFirst(key)}At`;
  }
  boundsConst(key: string): string {
    return `${constantCase(this.className)}_${constantCase(key)}_BOUNDS`;
  }
}

/** Identifiers generated for one event group (`className` is the schema's const name). */
export class EventIdentifiers {
  readonly className: string;
  constructor(readonly group: EventGroupInput<unknown>) {
    this.className = group.declaredAs ?? "UnnamedEvents";
  }
  get descriptor(): string {
    return `${this.className}Descriptor`;
  }
  /** The object of constant event names, `<Class>Names`. */
  get namesConst(): string {
    return `${this.className}Names`;
  }
  get attributesInterface(): string | undefined {
    const a = this.group.attributeSet;
    return a ? (a.declaredAs ?? `${this.className}Attributes`) : undefined;
  }
  enumType(event: string, field: string): string {
    return `${this.className}${upperFirst(event)}${upperFirst(field)}`;
  }
  indexFunction(event: string, field: string): string {
    return `${lowerFirst(this.className)}${upperFirst(event)}${upperFirst(field)}Index`;
  }
}

/** Property keys that cannot be used, and generated identifiers that collide. */
export function checkIdentifiers(schema: SchemaInput<Position>, file: string): CodegenError[] {
  const errors: CodegenError[] = [];
  const report = (code: "E_BAD_KEY" | "E_NAME_CLASH", at: Position, message: string, hint: string): void => {
    errors.push(codegenError(code, file, at, message, hint));
  };
  const checkKey = (key: string, at: Position, reserved: readonly string[], role: string): void => {
    if (!IDENTIFIER.test(key))
      report(
        "E_BAD_KEY",
        at,
        `key \`${key}\` is not a plain identifier`,
        "Use letters, digits and `_` (starting with a letter); set the wire name with the `name:` option.",
      );
    else if (reserved.includes(key))
      report("E_BAD_KEY", at, `key \`${key}\` is reserved for ${role} in the generated code`, "Rename the property; keep the wire name with the `name:` option.");
  };
  const taken = new Map<string, string>(FIXED.map((n) => [n, "the module itself"]));
  const claim = (identifier: string, what: string, at: Position): void => {
    const other = taken.get(identifier);
    if (other === undefined) taken.set(identifier, what);
    else if (other !== what)
      report(
        "E_NAME_CLASH",
        at,
        `generated identifier \`${identifier}\` for ${what} is also generated for ${other}`,
        "Rename the const or the property so the generated names differ.",
      );
  };

  for (const a of schema.attributeSets) {
    if (a.declaredAs) claim(a.declaredAs, `attribute set \`${a.name}\``, a.nameAt);
    for (const attr of a.attributes) checkKey(attr.key, attr.at, [], "");
  }
  for (const set of schema.metricSets) {
    const ids = new SetIdentifiers(set);
    const of = `metric set \`${set.name}\``;
    claim(ids.className, of, set.nameAt);
    claim(ids.descriptor, `the descriptor of ${of}`, set.nameAt);
    claim(ids.invalidConst, `the invalid counter of ${of}`, set.nameAt);
    if (set.attributeSet && !set.attributeSet.declaredAs) claim(ids.attributesInterface ?? "", `the attributes of ${of}`, set.attributeSet.nameAt);
    if (set.measures.length > 0) claim(ids.slotFunction, `the slot function of ${of}`, set.nameAt);
    for (const m of set.measures) {
      checkKey(m.key, m.at, RESERVED_MEASURE_KEYS, "a parameter or local variable");
      claim(ids.enumType(m.key), `measurement attribute \`${m.key}\` of ${of}`, m.at);
      claim(ids.indexFunction(m.key), `the index function of \`${m.key}\` of ${of}`, m.at);
    }
    for (const f of set.fields) {
      checkKey(f.key, f.at, RESERVED_FIELD_KEYS, "a member of MetricSetBase");
      claim(ids.fieldClass(f.key), `field \`${f.key}\` of ${of}`, f.at);
      if (set.measures.length > 0) claim(ids.boundClass(f.key), `the bound handle of field \`${f.key}\` of ${of}`, f.at);
      if (f.instrument === "histogram") claim(ids.boundsConst(f.key), `the bounds of \`${f.key}\` of ${of}`, f.at);
    }
  }
  for (const g of schema.eventGroups ?? []) {
    const ids = new EventIdentifiers(g);
    const of = `event group \`${g.name}\``;
    claim(ids.className, of, g.nameAt);
    claim(ids.descriptor, `the descriptor of ${of}`, g.nameAt);
    claim(ids.namesConst, `the event names of ${of}`, g.nameAt);
    if (g.attributeSet && !g.attributeSet.declaredAs) claim(ids.attributesInterface ?? "", `the attributes of ${of}`, g.attributeSet.nameAt);
    for (const e of g.events) {
      checkKey(e.key, e.at, RESERVED_EVENT_KEYS, "a member of EventGroupBase");
      for (const f of e.fields) {
        checkKey(f.key, f.at, RESERVED_MEASURE_KEYS, "a parameter");
        if (f.type === "enum") claim(ids.enumType(e.key, f.key), `field \`${f.key}\` of event \`${e.key}\` of ${of}`, f.at);
      }
    }
  }
  return errors;
}
