// Which file a store is, without saying where it is: a digest of the file's device and inode.
// `telemetry-server query --store X` compares it with what the running server reports
// (GET /api/v1/store) before asking that server, so it never answers from another store.
import { createHash } from "node:crypto";
import { statSync } from "node:fs";

/** The identity of the file at `path`, or undefined when there is no such file. */
export function storeIdentity(path: string): string | undefined {
  try {
    const s = statSync(path, { bigint: true });
    return createHash("sha256").update(`${s.dev}:${s.ino}`).digest("hex").slice(0, 32);
  } catch {
    return undefined;
  }
}
