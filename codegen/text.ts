// Small text helpers shared by the emitters. Everything user-written that lands in generated text
// passes through here, so a brief containing `*/`, a newline or a quote cannot break the output.

/** A brief as one JSDoc-safe sentence: whitespace collapsed, `*\/` defused, final period added. */
export function sentence(text: string): string {
  const t = commentSafe(text.trim().replace(/\s+/g, " "));
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/** Text that cannot close the comment it is placed in. */
export function commentSafe(text: string): string {
  return text.replace(/\*\//g, "*\\/");
}

/** A TypeScript literal for plain data: `{ a: 1, b: ["x"] }` with keys as identifiers, strings quoted. */
export function literal(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(literal).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    const parts = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}: ${literal(v)}`);
    return parts.length === 0 ? "{}" : `{ ${parts.join(", ")} }`;
  }
  if (typeof value === "number") return numberText(value);
  return JSON.stringify(value);
}

/** Numbers as JavaScript prints them; only finite values reach the emitters (bounds are validated). */
export function numberText(n: number): string {
  return Object.is(n, -0) ? "0" : String(n);
}

/** Relative paths in generated headers use `/` so the output does not depend on the OS. */
export function posixPath(p: string): string {
  return p.split("\\").join("/");
}
