// piscina task bootstrap for TypeScript task modules. Node 20 ignores `--import tsx` in a worker's
// execArgv, so the worker registers tsx itself and then loads the module named in argv[2].
// With compiled JavaScript (or Node >= 22 with execArgv honoured) point piscina at the task directly.
import { register } from "tsx/esm/api";

register();
const task = await import(process.argv[2]);
export default task.default;
