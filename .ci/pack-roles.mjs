#!/usr/bin/env node
// Builds the three role packages from this one dev tree (docs/packages.md says why not workspaces):
//   percore          the SDK a service installs: schema DSL types, runtime, wire, exporters
//   percore-codegen  the `telemetry-codegen` generator (ts-morph), a dev dependency
//   percore-server   the `telemetry-server` (DuckDB, ws, OTLP decoding)
// Each package folder carries the compiled layers it needs (the layering check, npm run
// check:layers, guarantees no role reaches outside them), its own package.json whose dependency
// versions come from the root package.json, LICENSE and a short README. Then `npm pack` makes
// .tmp/packages/<name>-<version>.tgz. Prints one line per tarball: name, path, packed bytes.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, ".tmp/packages");
const build = join(out, "build");
const rootPkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const versions = { ...rootPkg.devDependencies, ...rootPkg.dependencies };

const sdkEntry = (dir, file) => ({ types: `./dist/src/${dir}/${file}.d.ts`, default: `./dist/src/${dir}/${file}.js` });

const ROLES = [
  {
    name: "percore",
    description: "Schema-first metrics SDK for thread-per-core Node services: runtime, wire format and exporters",
    dirs: ["src/schema", "src/wire", "src/runtime", "src/export", "src/exposition"],
    exports: {
      "./schema": sdkEntry("schema", "index"),
      "./runtime": sdkEntry("runtime", "index"),
      "./codegen-runtime": sdkEntry("runtime", "codegen-runtime"),
      "./wire": sdkEntry("wire", "index"),
      "./export": sdkEntry("export", "index"),
      "./otlp": sdkEntry("export", "otlp"),
      "./piscina": sdkEntry("runtime", "piscina"),
    },
    dependencies: ["msgpackr", "ws"],
    // Loaded only by the subpaths that use them: percore/piscina, percore/otlp. Not
    // @opentelemetry/resources and sdk-metrics (percore/otlp needs their 2.x, docs/packages.md):
    // percore-server's OTLP message classes bring their 1.x, and an optional peer range on them
    // made `npm install percore percore-server` in one project fail with ERESOLVE.
    optionalPeers: ["piscina", "@opentelemetry/api", "@opentelemetry/otlp-transformer"],
    readme:
      "The SDK a service installs: `npm install percore`. Generate typed metric classes with `npm install -D percore-codegen`; receive and store with `percore-server`.",
  },
  {
    name: "percore-codegen",
    description: "telemetry-codegen: generates typed percore metric classes, descriptors, semconv YAML, docs and a Grafana dashboard from a schema file",
    dirs: ["src/schema", "codegen"],
    // The dashboard uses the server's naming module (a leaf, see .dependency-cruiser.cjs), not all of src/exposition.
    files: ["src/exposition/prometheus-naming.js", "src/exposition/prometheus-naming.d.ts"],
    bin: { "telemetry-codegen": "bin/telemetry-codegen.js" },
    exports: { ".": { types: "./dist/codegen/index.d.ts", default: "./dist/codegen/index.js" } },
    dependencies: ["ts-morph"],
    readme:
      "The generator, a dev dependency: `npm install -D percore-codegen`, then `npx telemetry-codegen schema.ts`. The generated module imports `percore` (the SDK) at run time.",
  },
  {
    name: "percore-server",
    description: "telemetry-server: receives percore streams and OTLP metrics, stores them in DuckDB, serves SQL, JSON series and Prometheus exposition",
    dirs: ["src/schema", "src/wire", "src/exposition", "src/server", "src/cli"],
    bin: { "telemetry-server": "bin/telemetry-server.cjs" },
    dependencies: ["@duckdb/node-api", "ws", "msgpackr", "protobufjs", "otlp-proto-messages", "@prometheus-io/lezer-promql", "@lezer/lr", "@lezer/common", "snappyjs"],
    readme: "The telemetry server, installed on its own: `npm install percore-server`, then `npx telemetry-server --store ./telemetry.duckdb`.",
  },
];

function pick(names) {
  return Object.fromEntries(
    names.map((n) => {
      if (!versions[n]) throw new Error(`pack-roles: ${n} is not in the root package.json; add it there first`);
      return [n, versions[n]];
    }),
  );
}

/** Copies the compiled .js and .d.ts of `dir` or one file (no source maps: the sources are not shipped). */
function copyCompiled(dir, dest) {
  cpSync(join(build, dir), join(dest, "dist", dir), { recursive: true, filter: (src) => !src.endsWith(".map") });
}

function bytesUnder(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
// A clean compile of its own, so files left in dist/ by earlier builds (moved or deleted modules)
// cannot slip into a package.
execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.build.json"), "--outDir", build], {
  cwd: root,
  stdio: "inherit",
});

for (const role of ROLES) {
  const dest = join(out, role.name);
  mkdirSync(dest, { recursive: true });
  for (const dir of role.dirs) copyCompiled(dir, dest);
  for (const file of role.files ?? []) copyCompiled(file, dest);
  for (const file of Object.values(role.bin ?? {})) cpSync(join(root, file), join(dest, file));
  cpSync(join(root, "LICENSE"), join(dest, "LICENSE"));
  const pkg = {
    name: role.name,
    version: rootPkg.version,
    description: role.description,
    type: "module",
    license: rootPkg.license,
    engines: rootPkg.engines,
    ...(role.bin ? { bin: role.bin } : {}),
    ...(role.exports ? { exports: role.exports } : {}),
    dependencies: pick(role.dependencies),
    ...(role.optionalPeers
      ? {
          peerDependencies: pick(role.optionalPeers),
          peerDependenciesMeta: Object.fromEntries(role.optionalPeers.map((n) => [n, { optional: true }])),
        }
      : {}),
  };
  writeFileSync(join(dest, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
  writeFileSync(
    join(dest, "README.md"),
    `# ${role.name}\n\n${role.description}.\n\n${role.readme}\n\nSee the percore README and docs/packages.md for which package to install for what.\n`,
  );
  const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", out], { cwd: dest, encoding: "utf8" }).trim().split("\n").pop();
  const path = join(out, tarball);
  console.log(`${role.name} ${relative(root, path)} packed ${statSync(path).size} bytes, unpacked ${bytesUnder(dest)} bytes`);
}
