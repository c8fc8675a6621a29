// Worker bootstrap for TypeScript fixtures: Node 20 does not apply `--import tsx` from a worker's
// execArgv, so the worker registers tsx itself, then loads the fixture named in argv.
import { register } from "tsx/esm/api";

register();
await import(process.argv[2]);
