// One user query on a connection of its own (the pool in query-pool.ts gives it one and enforces
// its deadline). Read-only is enforced three ways: exactly one statement whose prepared type is
// SELECT (DuckDB parses and binds it, so `WITH ... DELETE` cannot pass as a select); the instance
// runs with enable_external_access=false and a locked configuration (no files, no ATTACH, no SET);
// and query-guard.ts refuses functions that change state or disclose the host. The result is
// streamed chunk by chunk and cut at `maxRows` rows or `maxBytes` bytes of JSON, so a huge result
// never exists whole in the server's memory.
import { JsonDuckDBValueConverter, StatementType, type DuckDBConnection } from "@duckdb/node-api";
import { serverError } from "../errors.ts";
import { checkFunctions } from "./query-guard.ts";
import { StoreError, type QueryResult } from "./store.ts";

export interface UserQueryOptions {
  readonly maxRows: number;
  readonly maxBytes: number;
}

const isRefusal = (message: string) => /Permission Error|disabled by configuration/i.test(message);

export async function runUserQuery(conn: DuckDBConnection, sql: string, options: UserQueryOptions): Promise<QueryResult> {
  let extracted;
  try {
    extracted = await conn.extractStatements(sql);
  } catch (e) {
    throw new StoreError(serverError("E_BAD_QUERY", (e as Error).message));
  }
  if (extracted.count !== 1) throw new StoreError(serverError("E_BAD_QUERY", `expected exactly one statement, got ${extracted.count}`));
  let prepared;
  try {
    prepared = await extracted.prepare(0);
  } catch (e) {
    const message = (e as Error).message;
    // Preparing already refuses file access ("disabled by configuration").
    throw new StoreError(serverError(isRefusal(message) ? "E_READ_ONLY" : "E_BAD_QUERY", message));
  }
  try {
    if (prepared.statementType !== StatementType.SELECT) {
      throw new StoreError(serverError("E_READ_ONLY", `only SELECT statements are allowed here, got ${StatementType[prepared.statementType] ?? prepared.statementType}`));
    }
    await checkFunctions(conn, sql);
    const result = await prepared.stream();
    const names = result.columnNames();
    const types = result.columnTypes().map((t) => t.toString());
    // 64-bit integers come back as strings; most (counts, sums) fit in a double exactly.
    const wide = types.map((t) => /^(BIGINT|UBIGINT|HUGEINT|UHUGEINT)$/.test(t));
    const rows: unknown[][] = [];
    let bytes = 0;
    let truncatedBy: "max_rows" | "max_result_bytes" | undefined;
    fetching: for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
      for (let r = 0; r < chunk.rowCount; r++) {
        if (rows.length === options.maxRows) {
          truncatedBy = "max_rows";
          break fetching;
        }
        // Row by row, so a chunk of huge values is never converted whole.
        const row = chunk.convertRowValues(r, JsonDuckDBValueConverter) as unknown[];
        for (let c = 0; c < row.length; c++) {
          if (wide[c] && typeof row[c] === "string" && Number.isSafeInteger(Number(row[c]))) row[c] = Number(row[c]);
        }
        bytes += Buffer.byteLength(JSON.stringify(row)) + 1;
        if (bytes > options.maxBytes) {
          if (rows.length === 0) {
            throw new StoreError(
              serverError(
                "E_TOO_BIG",
                `the first row alone is over the result limit of ${options.maxBytes} bytes (--max-result-bytes); select less of it, e.g. left(column, 1000)`,
              ),
            );
          }
          truncatedBy = "max_result_bytes";
          break fetching;
        }
        rows.push(row);
      }
    }
    const columns = names.map((name, i) => ({ name, type: types[i] }));
    return truncatedBy ? { columns, rows, truncated: true, truncatedBy } : { columns, rows, truncated: false };
  } catch (e) {
    if (e instanceof StoreError) throw e;
    const message = (e as Error).message;
    if (/^Out of Memory Error/.test(message)) {
      // DuckDB's own advice (SET memory_limit, SET threads) is not something a query can do here.
      throw new StoreError(
        serverError("E_QUERY_MEMORY", `the query needs more memory than the server allows (--memory-limit, --max-temp-size): ${message.split("\n")[0]}`),
      );
    }
    throw new StoreError(serverError(isRefusal(message) ? "E_READ_ONLY" : "E_BAD_QUERY", message));
  } finally {
    prepared.destroySync();
  }
}
