// The enum-value rules, shared by measurement attributes (validate.ts) and enum event fields
// (validate-events.ts): at least one value, none empty, none twice.
import type { Located, Report } from "./schema-input.ts";

export function checkEnumValues<L>(m: { readonly key: string; readonly values: readonly Located<string, L>[]; readonly valuesAt: L }, report: Report<L>): void {
  if (m.values.length === 0) {
    report("E_EMPTY_ENUM", m.valuesAt, `measurement attribute \`${m.key}\` has no values`, 'List the values it can take, e.g. oneOf(["GET", "POST", "OTHER"], ...).');
    return;
  }
  const seen = new Set<string>();
  for (const v of m.values) {
    if (v.value === "") report("E_BAD_ENUM_VALUE", v.at, `measurement attribute \`${m.key}\` has an empty value`, "Give every value at least one character.");
    else if (seen.has(v.value))
      report("E_DUP_ENUM_VALUE", v.at, `duplicate value \`${v.value}\` in measurement attribute \`${m.key}\``, "List every value once; each value gets its own slot.");
    seen.add(v.value);
  }
}
