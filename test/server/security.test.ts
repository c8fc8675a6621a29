// Token and read-only query enforcement.
import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { promisify } from "node:util";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batch, post } from "./helpers/batches.ts";
import { query, startServerProcess, tempStore, type ServerProcess } from "./helpers/server-process.ts";

const TOKEN = "s3cret-token";
const auth = { authorization: `Bearer ${TOKEN}` };
let server: ServerProcess;
const run = promisify(execFile);
const CLI = resolve(import.meta.dirname, "../../src/cli/telemetry-server.ts");
const cli = (args: string[]) =>
  run(process.execPath, ["--conditions=source", "--import", "tsx", CLI, ...args], { cwd: resolve(import.meta.dirname, "../..") }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

beforeAll(async () => {
  server = await startServerProcess({ store: tempStore("security"), args: ["--token", TOKEN, "--event-fields", "optional"] });
  expect((await post(server.url, batch("sec", 1, 5), auth)).status).toBe(200);
});
afterAll(async () => {
  await server.stop("SIGKILL");
  rmSync(dirname(server.store), { recursive: true, force: true });
});

describe("--token", () => {
  const calls: [string, string, string?][] = [
    ["POST", "/v1/batches"],
    ["POST", "/v1/events", '{"a":1}'],
    ["POST", "/api/v1/sql", '{"sql":"SELECT 1"}'],
    ["GET", "/api/v1/series?metric=job.items"],
    ["GET", "/metrics"],
  ];
  for (const [method, path, body] of calls) {
    it(`${method} ${path} without or with a wrong token: 401`, async () => {
      for (const headers of [{}, { authorization: "Bearer wrong" }, { authorization: TOKEN }] as Record<string, string>[]) {
        const res = await fetch(server.url + path, { method, headers: { "content-type": "application/json", ...headers }, ...(body ? { body } : {}) });
        expect(res.status).toBe(401);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe("E_UNAUTHORIZED");
      }
      const ok = await fetch(server.url + path, {
        method,
        headers: { "content-type": method === "POST" && path === "/v1/batches" ? "application/msgpack" : "application/json", ...auth },
        ...(body ? { body } : {}),
      });
      expect(ok.status).not.toBe(401);
    });
  }

  it("a WebSocket upgrade without the token: 401", async () => {
    const status = await new Promise<number>((resolveStatus) => {
      const ws = new WebSocket(server.url.replace("http", "ws") + "/v1/ws");
      ws.on("unexpected-response", (_req, res) => resolveStatus(res.statusCode ?? 0));
      ws.on("open", () => resolveStatus(101));
      ws.on("error", () => undefined);
    });
    expect(status).toBe(401);
    const opened = await new Promise<boolean>((r) => {
      const ws = new WebSocket(server.url.replace("http", "ws") + "/v1/ws", { headers: auth });
      ws.on("open", () => (ws.close(), r(true)));
      ws.on("error", () => r(false));
    });
    expect(opened).toBe(true);
  });

  it("/healthz answers without a token", async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe("read-only queries", () => {
  const refused = [
    "DROP TABLE points",
    "INSERT INTO points (value) VALUES (1)",
    "DELETE FROM points",
    "UPDATE streams SET stored = 0",
    "CREATE TABLE x (a INT)",
    "COPY points TO '/tmp/percore-leak.csv'",
    "COPY (SELECT 1) TO '/tmp/percore-leak.parquet' (FORMAT parquet)",
    "ATTACH '/tmp/percore-other.duckdb' AS other",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('/etc/hostname')",
    "SELECT * FROM read_parquet('/tmp/x.parquet')",
    "SELECT * FROM read_json('/etc/os-release')",
    "SELECT * FROM '/etc/passwd'",
    "SET enable_external_access = true",
    "PRAGMA enable_profiling",
    "SELECT 1; DROP TABLE points",
    "WITH d AS (DELETE FROM points RETURNING *) SELECT * FROM d",
    "INSTALL httpfs",
    "LOAD httpfs",
    "CHECKPOINT",
  ];
  for (const sql of refused) {
    it(`refuses: ${sql}`, async () => {
      const res = await fetch(`${server.url}/api/v1/sql`, { method: "POST", headers: { "content-type": "application/json", ...auth }, body: JSON.stringify({ sql }) });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      const body = (await res.json()) as { error: { code: string } };
      expect(["E_READ_ONLY", "E_BAD_QUERY"]).toContain(body.error.code);
    });
  }

  // Each of these runs as a SELECT, so only the function check stands between it and the host.
  const disclosing = [
    ["SELECT * FROM force_checkpoint()", "force_checkpoint"],
    ["SELECT * FROM checkpoint()", "checkpoint"],
    ["SELECT * FROM duckdb_settings()", "duckdb_settings"],
    ["SELECT name, setting FROM pg_catalog.pg_settings", "duckdb_settings"],
    ["SELECT current_setting('temp_directory')", "current_setting"],
    ["SELECT * FROM duckdb_databases()", "duckdb_databases"],
    ["SELECT path FROM duckdb_databases", "duckdb_databases"],
    ["SELECT * FROM pragma_database_list", "duckdb_databases"],
    ["SELECT * FROM duckdb_temporary_files()", "duckdb_temporary_files"],
    ["SELECT * FROM duckdb_extensions()", "duckdb_extensions"],
    ["SELECT * FROM duckdb_logs", "duckdb_logs"],
    ["SELECT * FROM enable_logging()", "enable_logging"],
    ["SELECT * FROM query('SELECT * FROM duckdb_settings()')", "duckdb_settings"],
    ["SELECT (SELECT count(*) FROM force_checkpoint()) + 1", "force_checkpoint"],
  ] as const;
  for (const [sql, fn] of disclosing) {
    it(`refuses what changes the store or shows paths: ${sql}`, async () => {
      const res = await fetch(`${server.url}/api/v1/sql`, { method: "POST", headers: { "content-type": "application/json", ...auth }, body: JSON.stringify({ sql }) });
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(res.status).toBe(403);
      expect(body.error.code).toBe("E_READ_ONLY");
      expect(body.error.message).toContain(fn);
      expect(body.error.message).not.toContain(dirname(server.store));
    });
  }

  it("allows generators, JSON and the catalog", async () => {
    expect((await query(server.url, "SELECT count(*) FROM range(10)", TOKEN))[0][0]).toBe(10);
    expect((await query(server.url, "SELECT count(*) FROM generate_series(1, 3)", TOKEN))[0][0]).toBe(3);
    expect((await query(server.url, 'SELECT count(*) FROM json_each(\'{"a":1,"b":2}\')', TOKEN))[0][0]).toBe(2);
    expect((await query(server.url, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'points'", TOKEN))[0][0]).toBe(1);
    expect((await query(server.url, "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'series_totals'", TOKEN))[0][0]).toBeGreaterThan(5);
    expect((await query(server.url, "SELECT count(*) FROM pragma_table_info('points')", TOKEN))[0][0]).toBe(6);
  });

  it("everything is still there and SELECT works", async () => {
    const rows = await query(server.url, "SELECT count(*), sum(value) FROM metric_points WHERE metric = 'job.items'", TOKEN);
    expect(rows[0]).toEqual([2, 10]);
    const tables = await query(server.url, "SELECT count(*) FROM duckdb_tables() WHERE table_name IN ('points', 'streams', 'event_rows')", TOKEN);
    expect(tables[0][0]).toBe(3);
    expect((await query(server.url, "SELECT count(*) FROM duckdb_views() WHERE view_name = 'events'", TOKEN))[0][0]).toBe(1);
  });

  it("the CLI asks the running server, and refuses writes too", async () => {
    const ok = await cli(["query", "SELECT sum(value) AS items FROM metric_points WHERE metric = 'job.items'", "--url", server.url, "--token", TOKEN]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/items[\s\S]*10/);
    const bad = await cli(["query", "DROP TABLE points", "--url", server.url, "--token", TOKEN]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/E_READ_ONLY/);
  }, 30_000);

  it("with no server running, the CLI opens the file read-only", async () => {
    const store = tempStore("cli-offline");
    const s = await startServerProcess({ store, args: ["--event-fields", "optional"] });
    await post(s.url, batch("offline", 1, 7));
    await s.stop();
    const port = s.port; // nothing listens there now
    const r = await cli(["query", "SELECT sum(value) FROM metric_points WHERE metric = 'job.items'", "--url", `http://127.0.0.1:${port}`, "--store", store, "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).rows[0][0]).toBe(14);
    const bad = await cli(["query", "DROP TABLE points", "--url", `http://127.0.0.1:${port}`, "--store", store]);
    expect(bad.code).not.toBe(0);
    rmSync(dirname(store), { recursive: true, force: true });
  }, 60_000);
});

describe("credentials are never stored in streams.headers", () => {
  const secrets = {
    "proxy-authorization": "Basic cHJveHk6cGFzcw==",
    "x-api-key": "key-123",
    cookie: "session=abc",
    "x-auth-token": "tok-456",
    "x-amz-security-token": "amz-789",
  };
  for (const transport of ["http", "ws"] as const) {
    it(`${transport}: authorization, proxy-authorization, x-api-key, cookie and the like are redacted; other headers kept`, async () => {
      const marker = `privacy-${transport}`;
      const headers = { ...auth, ...secrets, "x-client": marker };
      if (transport === "http") {
        expect((await post(server.url, batch(marker, 1), headers)).status).toBe(200);
      } else {
        const ws = new WebSocket(server.url.replace("http", "ws") + "/v1/ws", { headers });
        await new Promise((r, j) => (ws.once("open", r), ws.once("error", j)));
        const acked = new Promise((r) => ws.once("message", r));
        ws.send(JSON.stringify({ event_type: marker }));
        await acked;
        ws.close();
      }
      const rows = await query(server.url, `SELECT headers FROM streams WHERE headers->>'x-client' = '${marker}'`, TOKEN);
      expect(rows.length).toBe(1);
      const stored = JSON.parse(String(rows[0][0])) as Record<string, string>;
      for (const name of ["authorization", ...Object.keys(secrets)]) expect(stored[name]).toBe("[redacted]");
      expect(JSON.stringify(stored)).not.toMatch(new RegExp([TOKEN, ...Object.values(secrets)].map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")));
      expect(stored["x-client"]).toBe(marker);
    });
  }
});
