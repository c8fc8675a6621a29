// The percore version, reported in every stream's open and in generated headers. Read from the
// package.json above this file (src/schema/ and dist/src/schema/ alike), so there is one place to
// bump it: the dev tree's `percore`, or a role package built from it (`percore-codegen`,
// `percore-server`; see docs/packages.md).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function readPackageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if ((pkg.name === "percore" || pkg.name?.startsWith("percore-")) && pkg.version) return pkg.version;
    } catch {
      // no package.json here; keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error("percore: cannot find its package.json to read its version");
    dir = parent;
  }
}

export const VERSION = readPackageVersion();
