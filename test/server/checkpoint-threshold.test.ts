// --checkpoint-threshold: parsed like the other sizes, and what DuckDB is given (default 64 MiB,
// docs/server.md "Checkpoints"); a bad value is refused with what, where and how to fix.
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { readFlags, serveConfig } from "../../src/server/config.ts";
import { isServerError } from "../../src/server/errors.ts";
import { DuckDBStore } from "../../src/server/store/duckdb-store.ts";
import { tempStore } from "./helpers/server-process.ts";

const config = (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const f = readFlags(args);
  if (isServerError(f)) throw new Error(f.message);
  return serveConfig(f.flags, env);
};

async function setting(limits: { checkpointThreshold?: number }): Promise<unknown> {
  const path = tempStore("checkpoint-threshold");
  const store = await DuckDBStore.open({ path, limits });
  try {
    // Users' SQL may not read settings (the query guard), so ask DuckDB on the store's own connection.
    const loader = (store as unknown as { loader: DuckDBConnection }).loader;
    return (await loader.runAndReadAll("SELECT current_setting('checkpoint_threshold')")).getRows()[0]?.[0];
  } finally {
    await store.close();
    rmSync(dirname(path), { recursive: true, force: true });
  }
}

describe("--checkpoint-threshold", () => {
  it("a flag or TELEMETRY_CHECKPOINT_THRESHOLD sets the store limit; given nothing, the store default applies", () => {
    const flag = config(["--checkpoint-threshold", "8MiB"]);
    const env = config([], { TELEMETRY_CHECKPOINT_THRESHOLD: "256MiB" });
    const none = config([]);
    if (isServerError(flag) || isServerError(env) || isServerError(none)) throw new Error("refused");
    expect(flag.storeLimits.checkpointThreshold).toBe(8 * 1024 ** 2);
    expect(env.storeLimits.checkpointThreshold).toBe(256 * 1024 ** 2);
    expect(none.storeLimits.checkpointThreshold).toBeUndefined();
  });

  it("refuses a value below 1 MiB or not a size", () => {
    for (const v of ["1KiB", "soon"]) {
      const c = config(["--checkpoint-threshold", v]);
      expect(isServerError(c)).toBe(true);
      if (isServerError(c)) {
        expect(c.code).toBe("E_BAD_PARAM");
        expect(c.where).toBe("--checkpoint-threshold");
        expect(c.message).toMatch(/at least 1048576 bytes \(e\.g\. 64MiB/);
      }
    }
  });

  it("DuckDB runs with 64 MiB by default and with the size given", async () => {
    expect(await setting({})).toBe("64.0 MiB");
    expect(await setting({ checkpointThreshold: 8 * 1024 ** 2 })).toBe("8.0 MiB");
  });
});
