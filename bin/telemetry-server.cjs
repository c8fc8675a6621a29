#!/usr/bin/env node
// CommonJS on purpose: libuv reads UV_THREADPOOL_SIZE once, when its thread pool is first used,
// and loading an ES module already uses it. Every running DuckDB query holds one of those threads,
// and ingest needs its own, so the pool is raised here, before anything else runs (see
// docs/server.md#limits). A value set by the user is kept.
process.env.UV_THREADPOOL_SIZE ||= "32";
import("../dist/src/cli/telemetry-server.js");
