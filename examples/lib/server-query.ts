// Reading back from the telemetry server over HTTP: the same path `telemetry-server query` takes
// when a server is running (POST /api/v1/sql), printed as a small table.
export interface QueryResult {
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly rows: readonly (readonly unknown[])[];
  readonly truncated?: boolean;
}

export async function query(serverUrl: string, sql: string): Promise<QueryResult> {
  const res = await fetch(`${serverUrl}/api/v1/sql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sql }),
  });
  const body = (await res.json()) as QueryResult | { error: { code: string; message: string } };
  if ("error" in body) throw new Error(`${body.error.code}: ${body.error.message}\n${sql}`);
  return body;
}

/** One number from a one-row, one-column query (0 when the query returned nothing). */
export async function scalar(serverUrl: string, sql: string): Promise<number> {
  const r = await query(serverUrl, sql);
  return Number(r.rows[0]?.[0] ?? 0);
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toFixed(2);
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

export function formatTable(r: QueryResult): string {
  const cells = r.rows.map((row) => row.map(cell));
  const widths = r.columns.map((c, i) => Math.min(48, Math.max(c.name.length, ...cells.map((row) => row[i].length))));
  const line = (vals: readonly string[]) =>
    vals
      .map((v, i) => (v.length > widths[i] ? v.slice(0, widths[i] - 1) + "…" : v.padEnd(widths[i])))
      .join(" | ")
      .trimEnd();
  return [
    line(r.columns.map((c) => c.name)),
    widths.map((w) => "-".repeat(w)).join("-+-"),
    ...cells.map(line),
    `(${r.rows.length} row${r.rows.length === 1 ? "" : "s"})`,
  ].join("\n");
}

/** Prints the SQL as the CLI command a reader can paste, then the result. */
export async function show(serverUrl: string, title: string, sql: string): Promise<QueryResult> {
  const r = await query(serverUrl, sql);
  const oneLine = sql.replace(/\s+/g, " ").trim();
  console.log(`\n# ${title}\n$ npx telemetry-server query --url ${serverUrl} "${oneLine}"\n${formatTable(r)}`);
  return r;
}
