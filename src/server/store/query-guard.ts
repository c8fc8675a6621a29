// What a user query may call. The instance already refuses file and network access
// (enable_external_access=false) and every statement but SELECT; this refuses the rest of what a
// SELECT can reach that is not telemetry: table functions that change state (force_checkpoint,
// checkpoint, enable_logging, ...) or disclose the host (duckdb_settings and its view pg_settings
// show file paths, duckdb_databases the store's path, duckdb_temporary_files, duckdb_extensions).
//
// Table functions are checked in the bound plan (EXPLAIN), so a system view or `query('...')` that
// expands to one is caught too; they must be on an allow-list, so a function added by a new DuckDB
// release is refused until someone looks at it. Scalar functions that read settings are constant
// folded out of the plan, so they are checked in the parsed statement instead.
import type { DuckDBConnection } from "@duckdb/node-api";
import { serverError } from "../errors.ts";
import { StoreError } from "./store.ts";

/** Table functions a query may use: generators, JSON, and the catalog (no paths, no state). */
export const ALLOWED_TABLE_FUNCTIONS: ReadonlySet<string> = new Set([
  "range",
  "generate_series",
  "unnest",
  "json_each",
  "json_tree",
  "duckdb_tables",
  "duckdb_views",
  "duckdb_columns",
  "duckdb_schemas",
  "duckdb_types",
  "duckdb_functions",
  "duckdb_keywords",
  "duckdb_constraints",
  "duckdb_indexes",
  "duckdb_dependencies",
  "duckdb_sequences",
  "pragma_table_info",
  "pragma_show",
]);

/** Scalar functions that read the configuration (temp_directory, home_directory, ... are paths). */
export const REFUSED_SCALAR_FUNCTIONS: ReadonlySet<string> = new Set(["current_setting", "getenv"]);

function collect(node: unknown, visit: (o: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) for (const n of node) collect(n, visit);
  else if (node !== null && typeof node === "object") {
    visit(node as Record<string, unknown>);
    for (const v of Object.values(node)) collect(v, visit);
  }
}

const refuse = (what: string): never => {
  throw new StoreError(serverError("E_READ_ONLY", `${what} is not allowed in a query (it changes the store or discloses the host); see docs/server.md#limits`));
};

/** Throws E_READ_ONLY when `sql` (one SELECT, already checked) calls something outside the lists. */
export async function checkFunctions(conn: DuckDBConnection, sql: string): Promise<void> {
  const ast = await conn.runAndReadAll("SELECT json_serialize_sql($1::VARCHAR)", [sql]);
  const parsed = JSON.parse(String(ast.getRows()[0][0])) as { error?: boolean; error_message?: string };
  if (parsed.error) throw new StoreError(serverError("E_BAD_QUERY", parsed.error_message ?? "cannot parse the query"));
  collect(parsed, (o) => {
    if (o.class === "FUNCTION" && typeof o.function_name === "string" && REFUSED_SCALAR_FUNCTIONS.has(o.function_name.toLowerCase())) refuse(`${o.function_name}()`);
  });
  const explained = await conn.runAndReadAll(`EXPLAIN (FORMAT json) ${sql}`);
  const plan = JSON.parse(String(explained.getRows()[0][1])) as unknown;
  collect(plan, (o) => {
    const fn = (o.extra_info as Record<string, unknown> | undefined)?.Function;
    if (typeof fn === "string" && !ALLOWED_TABLE_FUNCTIONS.has(fn.trim().toLowerCase())) refuse(`table function ${fn.trim().toLowerCase()}()`);
  });
}
