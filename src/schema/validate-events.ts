// Semantic rules of event groups, the events half of validate.ts: names (constant, lower.dot.case,
// unique schema-wide), severities, string bounds, field counts and the keys the stored form
// reserves. Like validate.ts it takes what a reader produced, with any locator type.
import { MAX_EVENT_FIELDS, MAX_GROUP_EVENTS, MAX_STRING_FIELD_BYTES, RESERVED_EVENT_KEYS, SEVERITIES } from "./events.ts";
import { NAME_RULE, defaultAttributeName, defaultMetricName, nameProblem } from "./naming.ts";
import type { EventGroupInput, EventInput, KeyedInput, Report } from "./schema-input.ts";
import { checkEnumValues } from "./validate-enum.ts";

export const eventName = (group: { name: string }, e: KeyedInput<unknown>): string => e.name ?? defaultMetricName(group.name, e.key);
export const eventFieldName = (f: KeyedInput<unknown>): string => f.name ?? defaultAttributeName(f.key);

const TYPE_PATTERN = /^[a-z][a-z0-9_]*$/;

export function checkEventGroups<L>(groups: readonly EventGroupInput<L>[], report: Report<L>): void {
  const groupNames = new Map<string, string>();
  const eventNames = new Map<string, string>();
  for (const g of groups) {
    const problem = nameProblem(g.name);
    if (problem) report("E_BAD_NAME", g.nameAt, `invalid event group name \`${g.name}\`: ${problem}`, `Use ${NAME_RULE}.`);
    const other = groupNames.get(g.name);
    if (other !== undefined)
      report(
        "E_DUP_SET",
        g.nameAt,
        `duplicate event group name \`${g.name}\` (also declared by \`${other}\`)`,
        "Give each event group its own name; it prefixes its event names.",
      );
    else groupNames.set(g.name, g.declaredAs ?? g.name);
    if (g.events.length === 0)
      report("E_NO_EVENTS", g.nameAt, `event group \`${g.name}\` declares no events`, "Add at least one event({ severity, brief, fields }) under `events:`.");
    if (g.events.length > MAX_GROUP_EVENTS)
      report(
        "E_TOO_MANY_EVENTS",
        g.nameAt,
        `event group \`${g.name}\` declares ${g.events.length} events, the limit is ${MAX_GROUP_EVENTS}`,
        "Split it into several groups.",
      );
    for (const e of g.events) checkEvent(g, e, eventNames, report);
  }
}

function checkEvent<L>(g: EventGroupInput<L>, e: EventInput<L>, seen: Map<string, string>, report: Report<L>): void {
  const name = eventName(g, e);
  const at = e.nameAt ?? e.at;
  const problem = nameProblem(name);
  if (problem)
    report(
      "E_BAD_NAME",
      at,
      `invalid event name \`${name}\`: ${problem}`,
      `Event names are constant lower.dot.case: ${NAME_RULE}; rename the property or set \`name:\`.`,
    );
  const other = seen.get(name);
  if (other !== undefined)
    report(
      "E_DUP_EVENT",
      at,
      `duplicate event name \`${name}\` (already used by ${other})`,
      "Rename the event or set an explicit `name:` so every event has its own name.",
    );
  else seen.set(name, `\`${e.key}\` of event group \`${g.name}\``);
  if (e.severity === undefined || !(SEVERITIES as readonly string[]).includes(e.severity))
    report(
      "E_BAD_SEVERITY",
      e.severityAt ?? e.at,
      e.severity === undefined ? `event \`${name}\` has no severity` : `unknown severity \`${e.severity}\` for event \`${name}\``,
      `Use one of ${SEVERITIES.map((s) => `"${s}"`).join(", ")} (OpenTelemetry SeverityNumber 5, 9, 13, 17, 21).`,
    );
  if (!TYPE_PATTERN.test(e.type))
    report("E_BAD_EVENT_TYPE", e.typeAt ?? e.at, `invalid event type \`${e.type}\` for event \`${name}\``, 'Use a lowercase word such as "log" or "behavioral".');
  if (e.brief === undefined || e.brief.trim() === "")
    report(
      "E_MISSING_BRIEF",
      e.at,
      `event \`${name}\` has ${e.brief === undefined ? "no" : "an empty"} brief`,
      "Add a one-sentence description; it becomes the emitter's JSDoc and the docs.",
    );
  if (e.fields.length > MAX_EVENT_FIELDS)
    report(
      "E_TOO_MANY_FIELDS",
      e.fieldsAt ?? e.at,
      `event \`${name}\` has ${e.fields.length} fields, the limit is ${MAX_EVENT_FIELDS}`,
      "Split the event, or move what is fixed per emitter into the entity attributes.",
    );
  const names = new Map<string, string>();
  for (const f of e.fields) {
    const fname = eventFieldName(f);
    const fat = f.nameAt ?? f.at;
    const fp = nameProblem(fname);
    if (fp) report("E_BAD_NAME", fat, `invalid field name \`${fname}\` in event \`${name}\`: ${fp}`, `Rename the property or set \`name:\`; names use ${NAME_RULE}.`);
    if (RESERVED_EVENT_KEYS.includes(fname))
      report(
        "E_RESERVED_FIELD",
        fat,
        `field \`${fname}\` of event \`${name}\` takes a name the stored event reserves`,
        `Rename it; ${RESERVED_EVENT_KEYS.map((k) => `\`${k}\``).join(", ")} are set by percore.`,
      );
    const dup = names.get(fname);
    if (dup !== undefined) report("E_DUP_ATTRIBUTE", fat, `duplicate field name \`${fname}\` in event \`${name}\` (also used by \`${dup}\`)`, "Rename one of them.");
    else names.set(fname, f.key);
    if (f.brief === undefined || f.brief.trim() === "")
      report("E_MISSING_BRIEF", f.at, `field \`${f.key}\` of event \`${name}\` has no brief`, "Add a one-sentence description.");
    if (f.type === "string") {
      if (f.maxLength === undefined)
        report(
          "E_MISSING_MAX_LENGTH",
          f.at,
          `string field \`${f.key}\` of event \`${name}\` has no maxLength`,
          `Bound it: str("brief", { maxLength: 64 }); it reserves that many bytes per ring record (at most ${MAX_STRING_FIELD_BYTES}).`,
        );
      else if (!Number.isInteger(f.maxLength) || f.maxLength < 1 || f.maxLength > MAX_STRING_FIELD_BYTES)
        report(
          "E_MAX_LENGTH",
          f.maxLengthAt ?? f.at,
          `maxLength ${f.maxLength} of string field \`${f.key}\` of event \`${name}\` is outside 1 to ${MAX_STRING_FIELD_BYTES}`,
          `Use a whole number of UTF-8 bytes from 1 to ${MAX_STRING_FIELD_BYTES}; longer text is truncated and marked.`,
        );
    }
    if (f.type === "enum") checkEnumValues({ key: f.key, values: f.values ?? [], valuesAt: f.valuesAt ?? f.at }, report);
  }
}
