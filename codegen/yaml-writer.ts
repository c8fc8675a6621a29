// A minimal, deterministic YAML writer for the semconv registry: block mappings and sequences,
// keys in insertion order, and strings plain only when they cannot be misread (anything else is
// a JSON-quoted string, which YAML accepts as a double-quoted scalar). No runtime dependency.

export type YamlValue = string | number | boolean | readonly YamlValue[] | YamlMapping;
export interface YamlMapping {
  readonly [key: string]: YamlValue | undefined;
}

/** Words YAML 1.1 or 1.2 would read as booleans or null if left unquoted. */
const KEYWORDS = new Set(["true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"]);

export function scalar(value: string | number | boolean): string {
  if (typeof value !== "string") return String(value);
  const plain = /^[A-Za-z_][A-Za-z0-9_.\-/]*$/.test(value) && !KEYWORDS.has(value.toLowerCase());
  return plain ? value : JSON.stringify(value);
}

/** The document, preceded by `# comment` lines, ending with a newline. */
export function toYaml(value: YamlMapping, comments: readonly string[] = []): string {
  return [...comments.map((c) => `# ${c}`), ...mapping(value, 0)].join("\n") + "\n";
}

const isScalar = (v: YamlValue): v is string | number | boolean => typeof v !== "object";

function mapping(value: YamlMapping, indent: number): string[] {
  const pad = " ".repeat(indent);
  const lines: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    if (isScalar(v)) lines.push(`${pad}${key}: ${scalar(v)}`);
    else if (Array.isArray(v)) lines.push(...(v.length === 0 ? [`${pad}${key}: []`] : [`${pad}${key}:`, ...sequence(v, indent + 2)]));
    else lines.push(`${pad}${key}:`, ...mapping(v as YamlMapping, indent + 2));
  }
  return lines;
}

function sequence(items: readonly YamlValue[], indent: number): string[] {
  const pad = " ".repeat(indent);
  const lines: string[] = [];
  for (const item of items) {
    if (isScalar(item)) lines.push(`${pad}- ${scalar(item)}`);
    else {
      // The item's block is indented two more; its first line takes the "- " in that space.
      const block = Array.isArray(item) ? sequence(item, indent + 2) : mapping(item as YamlMapping, indent + 2);
      if (block.length === 0) lines.push(`${pad}- ${Array.isArray(item) ? "[]" : "{}"}`);
      else lines.push(`${pad}- ${block[0].slice(indent + 2)}`, ...block.slice(1));
    }
  }
  return lines;
}
