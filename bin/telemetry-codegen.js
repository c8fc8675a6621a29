#!/usr/bin/env node
// Thin shim: the generator lives in codegen/ and is compiled to dist/ by `npm run build`.
import { main } from "../dist/codegen/cli.js";

process.exitCode = main(process.argv.slice(2));
