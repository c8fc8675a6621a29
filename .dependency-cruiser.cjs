// The layering rules (docs/packages.md explains them): imports point down
//   schema <- wire <- runtime <- export <- server/cli,   codegen on schema (and the naming module) only,
// with the Prometheus exposition (src/exposition) below both the SDK's exporter and the server.
// Type-only imports count too: a type import is still an arrow in the design.
// `npm run check:layers` runs it; .ci/run fails on any violation.
const layer = (name, mayImport) => ({
  name: `${name}-imports-down-only`,
  comment: `src/${name} may import only: ${mayImport.join(", ")}`,
  severity: "error",
  from: { path: `^src/${name}/` },
  to: { path: "^(src|codegen)/", pathNot: mayImport.map((l) => (l === "codegen" ? "^codegen/" : `^src/${l}/`)) },
});

module.exports = {
  forbidden: [
    { name: "no-circular", severity: "error", from: {}, to: { circular: true } },
    layer("schema", ["schema"]),
    layer("exposition", ["exposition", "schema"]),
    layer("wire", ["wire", "schema"]),
    layer("runtime", ["runtime", "wire", "schema"]),
    layer("export", ["export", "exposition", "runtime", "wire", "schema"]),
    // The server does not need the SDK's runtime or exporters; keeping them out keeps the server
    // package free of them and the SDK package free of the server.
    layer("server", ["server", "exposition", "wire", "schema"]),
    layer("cli", ["cli", "server", "exposition", "wire", "schema"]),
    {
      // Plus the one naming module (it imports nothing): the Grafana dashboard must ask for the
      // names the server exposes, and a second copy of the naming rules would drift (docs/codegen.md).
      name: "codegen-on-schema-only",
      severity: "error",
      from: { path: "^codegen/" },
      to: { path: "^src/", pathNot: ["^src/schema/", "^src/exposition/prometheus-naming\\.ts$"] },
    },
    {
      // What the exception above relies on: the naming module stays a leaf.
      name: "prometheus-naming-is-a-leaf",
      severity: "error",
      from: { path: "^src/exposition/prometheus-naming\\.ts$" },
      to: { path: "^(src|codegen)/" },
    },
    {
      name: "library-not-on-tests-bench-examples",
      severity: "error",
      from: { path: "^(src|codegen)/" },
      to: { path: "^(test|bench|examples)/" },
    },
    {
      // One msgpackr configuration: everything else encodes and decodes through src/wire/msgpack.ts.
      name: "one-msgpackr-configuration",
      severity: "error",
      from: { path: "^(src|codegen)/", pathNot: "^src/wire/msgpack\\.ts$" },
      to: { path: "node_modules/msgpackr/" },
    },
    {
      // What a service installs (the SDK) stays free of the server's, the generator's and the
      // OTLP exporter's heavy dependencies; the OTLP exporter is its own subpath (percore/otlp).
      name: "sdk-without-heavy-dependencies",
      severity: "error",
      from: { path: "^src/(schema|wire|runtime|export|exposition)/", pathNot: "^src/export/otlp" },
      to: { path: ["node_modules/(@duckdb|ts-morph|tsx|esbuild|@opentelemetry|protobufjs|otlp-proto-messages)/", "^src/export/otlp"] },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["source", "import", "node", "default"] },
  },
};
