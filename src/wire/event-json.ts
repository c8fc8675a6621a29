// Event rows straight to the JSON text the server stores (payload and attributes), without the
// object per event that EventCatalog.read builds: each declared event gets a template once (its
// field keys already quoted, its enum values already quoted), and a row is its values spliced
// between them. The text is the same as JSON.stringify of the decoded fields would give; events
// whose field names JSON.stringify would reorder (integer-like keys) or merge (duplicates) take
// that path instead. Measured in bench/server-events.ts (docs/server.md, "Events ingest speed").
import type { AttrValue, WireEventGroup } from "./batch.ts";

type EventDecl = WireEventGroup["events"][number];
export type FieldDecl = EventDecl["fields"][number];

/** What every decoded event has, whatever form its fields take. */
export interface EventHead {
  readonly eventId: string;
  /** ms since the epoch, from the emitting thread's clock. */
  readonly eventTime: number;
  readonly eventType: string;
  readonly eventName: string;
  readonly severityNumber: number;
  readonly severityText: string;
}

/** One decoded event as stored text. */
export interface JsonEvent extends EventHead {
  /** The fields as a JSON object, with `"percore.truncated": [names]` last when any was cut. */
  readonly payload: string;
  /** The source's entity attributes as a JSON object, or null when it has none. */
  readonly attributes: string | null;
}

interface Template {
  /** `{"a":`, `,"b":`, ...: what goes before each field's value. */
  readonly keys: readonly string[];
  /** Per field: its enum values as JSON text (undefined for other types). */
  readonly enums: readonly (readonly string[] | undefined)[];
  /** Per field: its name as JSON text, for the truncated list. */
  readonly names: readonly string[];
}

const templates = new WeakMap<EventDecl, Template | null>();
const INDEX_LIKE = /^(0|[1-9][0-9]*)$/;

/** The event's template, or null when its keys would not keep declaration order in an object. */
function templateOf(e: EventDecl): Template | null {
  let t = templates.get(e);
  if (t !== undefined) return t;
  const names = e.fields.map((f) => f.name);
  if (names.some((n) => INDEX_LIKE.test(n)) || new Set(names).size !== names.length || names.includes("percore.truncated")) t = null;
  else
    t = {
      keys: names.map((n, k) => (k === 0 ? "{" : ",") + JSON.stringify(n) + ":"),
      enums: e.fields.map((f) => (f.type === "enum" ? (f.values ?? []).map((v) => JSON.stringify(v)) : undefined)),
      names: names.map((n) => JSON.stringify(n)),
    };
  templates.set(e, t);
  return t;
}

/**
 * The payload text of event row `i` (values from index 4, each checked by `check`, which returns
 * the decoded value or throws). `mask` bit k marks field k truncated (k < 31).
 */
export function payloadJson(
  e: EventDecl,
  row: readonly unknown[],
  mask: number,
  i: number,
  check: (f: FieldDecl, v: unknown, i: number, eventName: string) => AttrValue,
): string {
  const t = templateOf(e);
  if (t === null) {
    const fields: Record<string, AttrValue> = {};
    const truncated: string[] = [];
    e.fields.forEach((f, k) => {
      fields[f.name] = check(f, row[4 + k], i, e.name);
      if (k < 31 && mask & (1 << k)) truncated.push(f.name);
    });
    return JSON.stringify(truncated.length > 0 ? { ...fields, "percore.truncated": truncated } : fields);
  }
  const n = e.fields.length;
  if (n === 0) return "{}";
  let s = "";
  for (let k = 0; k < n; k++) {
    const f = e.fields[k] as FieldDecl;
    const v = check(f, row[4 + k], i, e.name);
    const en = t.enums[k];
    s += (t.keys[k] as string) + (en !== undefined ? (en[row[4 + k] as number] as string) : typeof v === "string" ? JSON.stringify(v) : String(v));
  }
  if (mask !== 0) {
    let list = "";
    for (let k = 0; k < n && k < 31; k++) if (mask & (1 << k)) list += (list === "" ? "" : ",") + (t.names[k] as string);
    if (list !== "") s += `,"percore.truncated":[${list}]`;
  }
  return `${s}}`;
}
