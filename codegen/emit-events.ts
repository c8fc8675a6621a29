// Emits the event half of the generated module: per event group its descriptor, the enum types of
// its fields, the event-name constants, and one class whose methods are the emitters. An emitter
// takes the fields positionally in declaration order (bench/events.ts measures positional against
// an object argument) and writes one ring record (src/runtime/event-ring.ts): a level check
// first (a disabled event is one load and a compare), type checks for untyped callers (a wrong
// type is counted, never stored), then plain stores. Locals start with `$`, which no schema key
// can, so they never shadow a field parameter.
import type { EventDescriptor, EventFieldDescriptor, EventGroupDescriptor } from "../src/schema/event-descriptor.ts";
import type { EventGroupInput } from "../src/schema/validate.ts";
import { EventIdentifiers } from "./identifiers.ts";
import { commentSafe, literal, sentence } from "./text.ts";

const TS_TYPE = { string: "string", int: "number", double: "number", boolean: "boolean" } as const;

export function eventChunks(group: EventGroupInput<unknown>, d: EventGroupDescriptor): string[][] {
  const ids = new EventIdentifiers(group);
  const chunks: string[][] = [];
  if (group.attributeSet && !group.attributeSet.declaredAs)
    chunks.push([
      `/** Entity attributes of event group \`${d.name}\`. */`,
      `export interface ${ids.attributesInterface} {`,
      ...d.attributes.flatMap((a) => [`  /** ${sentence(a.brief)} Attribute \`${a.name}\` (${a.type}). */`, `  readonly ${a.key}: ${TS_TYPE[a.type]};`]),
      "}",
    ]);
  chunks.push([
    `export const ${ids.descriptor}: EventGroupDescriptor = {`,
    `  name: ${JSON.stringify(d.name)},`,
    `  brief: ${JSON.stringify(d.brief)},`,
    "  schemaHash: SCHEMA_HASH,",
    ...(d.attributeSet !== undefined ? [`  attributeSet: ${JSON.stringify(d.attributeSet)},`] : []),
    d.attributes.length === 0 ? "  attributes: []," : `  attributes: [\n${d.attributes.map((a) => `    ${literal(a)},`).join("\n")}\n  ],`,
    "  events: [",
    ...d.events.map((e) => `    ${literal(e)},`),
    "  ],",
    `  stride: ${d.stride},`,
    "};",
  ]);
  chunks.push([
    `/** The constant names of the events of group \`${d.name}\`. */`,
    `export const ${ids.namesConst} = {`,
    ...d.events.map((e) => `  ${e.key}: ${JSON.stringify(e.name)},`),
    "} as const;",
  ]);
  for (const e of d.events)
    for (const f of e.fields) {
      if (f.type !== "enum") continue;
      const type = ids.enumType(e.key, f.key);
      chunks.push(
        [
          `/** ${sentence(f.brief)} Field \`${f.name}\` of event \`${e.name}\`. */`,
          `export type ${type} = ${(f.values ?? []).map((v) => JSON.stringify(v)).join(" | ")};`,
        ],
        [
          `function ${ids.indexFunction(e.key, f.key)}(v: ${type}): number {`,
          "  switch (v) {",
          ...(f.values ?? []).map((v, i) => `    case ${JSON.stringify(v)}: return ${i};`),
          "    default: return -1;",
          "  }",
          "}",
        ],
      );
    }
  chunks.push(groupClass(ids, d));
  return chunks;
}

function groupClass(ids: EventIdentifiers, d: EventGroupDescriptor): string[] {
  const hasAttributes = d.attributes.length > 0;
  const doc = `Event group \`${d.name}\`${d.brief.trim() ? `: ${sentence(d.brief)}` : "."} Events: ${d.events.map((e) => `\`${e.name}\``).join(", ")}.`;
  return [
    `/** ${commentSafe(doc)} Create one per entity in any thread; emitters record into this thread's ring for the group. */`,
    `export class ${ids.className} extends EventGroupBase {`,
    `  static readonly descriptor = ${ids.descriptor};`,
    `  static readonly names = ${ids.namesConst};`,
    "",
    `  constructor(${hasAttributes ? `attributes: ${ids.attributesInterface}, ` : ""}options?: EmitterOptions) {`,
    `    super(${ids.descriptor}, [${d.attributes.map((a) => `attributes.${a.key}`).join(", ")}], options);`,
    "  }",
    ...d.events.flatMap((e, i) => ["", ...emitter(ids, e, i)]),
    "}",
  ];
}

function emitter(ids: EventIdentifiers, e: EventDescriptor, index: number): string[] {
  const params = e.fields.map((f) => `${f.key}: ${paramType(ids, e, f)}`).join(", ");
  const checks = e.fields.map((f) => invalidCheck(f, f.type === "enum" ? `$${f.key}` : f.key));
  const enums = e.fields.filter((f) => f.type === "enum").map((f) => `    const $${f.key} = ${ids.indexFunction(e.key, f.key)}(${f.key});`);
  const stores = e.fields.map((f) => {
    if (f.type === "string") return `    $r.str($o, ${f.slot}, ${f.byteOffset}, ${f.key}, ${f.maxLength});`;
    if (f.type === "boolean") return `    $f[$o + ${f.slot}] = ${f.key} ? 1 : 0;`;
    return `    $f[$o + ${f.slot}] = ${f.type === "enum" ? `$${f.key}` : f.key};`;
  });
  return [
    "  /**",
    `   * ${commentSafe(sentence(e.brief))} Event \`${e.name}\`, severity ${e.severity} (${e.severityNumber}), type \`${commentSafe(e.type)}\`.`,
    ...e.fields.map((f) => `   * @param ${f.key} ${commentSafe(fieldDoc(f))}`),
    "   */",
    `  ${e.key}(${params}): void {`,
    `    if (this.level[0]! > ${e.severityNumber}) return;`,
    "    const $r = this.ring;",
    ...enums,
    ...(checks.length > 0 ? [`    if (${checks.join(" || ")}) return $r.invalid(${index});`] : []),
    `    const $o = $r.begin(this.tag, ${index});`,
    "    if ($o < 0) return;",
    ...(e.fields.some((f) => f.type !== "string") ? ["    const $f = $r.f64;"] : []),
    ...stores,
    "    $r.commit();",
    "  }",
  ];
}

function paramType(ids: EventIdentifiers, e: EventDescriptor, f: EventFieldDescriptor): string {
  return f.type === "enum" ? ids.enumType(e.key, f.key) : TS_TYPE[f.type];
}

/** The condition under which an untyped caller's value is refused. */
function invalidCheck(f: EventFieldDescriptor, v: string): string {
  switch (f.type) {
    case "int":
      return `!Number.isSafeInteger(${v})`;
    case "double":
      return `!Number.isFinite(${v})`;
    case "boolean":
      return `typeof ${v} !== "boolean"`;
    case "string":
      return `typeof ${v} !== "string"`;
    default:
      return `${v} < 0`;
  }
}

function fieldDoc(f: EventFieldDescriptor): string {
  const what =
    f.type === "string"
      ? `string of at most ${f.maxLength} UTF-8 bytes; longer is cut and marked truncated`
      : f.type === "enum"
        ? `one of ${(f.values ?? []).map((v) => JSON.stringify(v)).join(", ")}`
        : f.type;
  return `${sentence(f.brief)} Field \`${f.name}\` (${what}).`;
}
