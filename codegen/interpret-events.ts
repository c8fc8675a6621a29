// Reads `events("group", { attributes, events: { key: event({ ... }) } })` calls into the plain
// event-group shape that src/schema/validate-events.ts checks. Like interpret.ts it owns only the
// shape (arguments, option names, literal kinds); names, bounds and limits are the validator's.
import { ATTRIBUTE_FUNCTIONS } from "../src/schema/attributes.ts";
import { DEFAULT_EVENT_TYPE } from "../src/schema/events.ts";
import type { AttributeSetInput, EventFieldInput, EventGroupInput, EventInput, Located } from "../src/schema/validate.ts";
import type { Position } from "./errors.ts";
import type { Interpreter } from "./interpret.ts";
import { OptionReader } from "./option-reader.ts";
import type { ReadContext } from "./read-context.ts";
import type { DslCall, ObjectEntry } from "./static-value.ts";

const GROUP_OPTIONS = ["attributes", "events", "brief"];
const EVENT_OPTIONS = ["severity", "brief", "type", "name", "note", "fields"];
const FIELD_OPTIONS = ["name", "note", "maxLength"];

export class EventInterpreter {
  private readonly opts: OptionReader;

  constructor(
    private readonly ctx: ReadContext,
    private readonly interpreter: Interpreter,
  ) {
    this.opts = new OptionReader(ctx);
  }

  group(call: DslCall): EventGroupInput<Position> | undefined {
    const [nameV, optionsV] = this.opts.args(call, 2, 2, 'events("group", { events: { key: event({ ... }) } })');
    if (optionsV === undefined) return undefined;
    const o = this.opts.options(optionsV, GROUP_OPTIONS, "events");
    let attributeSet: AttributeSetInput<Position> | undefined;
    const attrs = o.value("attributes");
    if (attrs?.kind === "dsl" && attrs.fn === "attributes") attributeSet = this.interpreter.attributeSet(attrs);
    else this.opts.wrong(attrs, "an attributes(...) call or a const holding one", "`attributes`");
    const list: EventInput<Position>[] = [];
    for (const entry of this.opts.objectEntries(o.value("events"), "`events`")) {
      const v = entry.value;
      if (v?.kind === "dsl" && v.fn === "event") list.push(this.event(entry, v));
      else this.opts.wrong(v, "an event({ severity, brief, fields }) call", `event \`${entry.key}\``);
    }
    return {
      name: this.opts.string(nameV, "the event group name", "unresolved"),
      nameAt: this.ctx.position(nameV?.node ?? call.node),
      declaredAs: call.declaredAs,
      brief: o.string("brief", undefined),
      attributeSet,
      events: list,
    };
  }

  private event(entry: ObjectEntry, call: DslCall): EventInput<Position> {
    const args = this.opts.args(call, 1, 1, 'event({ severity: "info", brief: "...", fields: { ... } })');
    const o = this.opts.optionsArg(args, 0, EVENT_OPTIONS, "event(...)");
    const fields: EventFieldInput<Position>[] = [];
    for (const f of this.opts.objectEntries(o.value("fields"), "`fields`")) {
      const v = f.value;
      if (v?.kind === "dsl" && (Object.hasOwn(ATTRIBUTE_FUNCTIONS, v.fn) || v.fn === "oneOf")) fields.push(this.field(f, v));
      else this.opts.wrong(v, 'str(...), int(...), double(...), bool(...) or oneOf([...], "brief")', `field \`${f.key}\``);
    }
    const at = (key: string): { at?: Position } => {
      const node = o.node(key);
      return node ? { at: this.ctx.position(node) } : {};
    };
    const nameNode = o.node("name");
    const name = o.string("name", undefined);
    const fieldsKey = o.keyNode("fields");
    return {
      key: entry.key,
      at: this.ctx.position(entry.keyNode),
      ...(name !== undefined && nameNode ? { name, nameAt: this.ctx.position(nameNode) } : {}),
      severity: o.string("severity", undefined),
      severityAt: at("severity").at,
      type: o.string("type", DEFAULT_EVENT_TYPE) ?? DEFAULT_EVENT_TYPE,
      typeAt: at("type").at,
      brief: o.string("brief", undefined),
      note: o.string("note", undefined),
      fields,
      fieldsAt: fieldsKey ? this.ctx.position(fieldsKey) : undefined,
    };
  }

  private field(entry: ObjectEntry, call: DslCall): EventFieldInput<Position> {
    const isEnum = call.fn === "oneOf";
    const args = isEnum ? this.opts.args(call, 0, 3, 'oneOf(["a", "b"], "brief")') : this.opts.args(call, 0, 2, `${call.fn}("brief", { maxLength })`);
    const o = this.opts.optionsArg(args, isEnum ? 2 : 1, isEnum || call.fn !== "str" ? ["name", "note"] : FIELD_OPTIONS, `${call.fn}(...)`);
    const nameNode = o.node("name");
    const name = o.string("name", undefined);
    const base = {
      key: entry.key,
      at: this.ctx.position(entry.keyNode),
      ...(name !== undefined && nameNode ? { name, nameAt: this.ctx.position(nameNode) } : {}),
      brief: this.opts.stringArg(args, isEnum ? 1 : 0, "the brief"),
      note: o.string("note", undefined),
    };
    if (isEnum) {
      const valuesV = args[0];
      const values: Located<string, Position>[] = [];
      for (const item of this.opts.arrayItems(valuesV, "the values of oneOf(...)")) {
        if (item?.kind === "string") values.push({ value: item.value, at: this.ctx.position(item.node) });
        else this.opts.wrong(item, "a string", "every value of oneOf(...)");
      }
      return { ...base, type: "enum", values, valuesAt: this.ctx.position(valuesV?.node ?? call.node) };
    }
    const type = ATTRIBUTE_FUNCTIONS[call.fn]!;
    const maxNode = o.node("maxLength");
    return {
      ...base,
      type,
      ...(o.has("maxLength") ? { maxLength: o.number("maxLength", 0), ...(maxNode ? { maxLengthAt: this.ctx.position(maxNode) } : {}) } : {}),
    };
  }
}
