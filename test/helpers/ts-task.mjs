// piscina task bootstrap for TypeScript task modules (Node 20 ignores `--import tsx` in worker
// execArgv): registers tsx, then re-exports the default export of the module named in argv.
import { register } from "tsx/esm/api";

register();
const task = await import(process.argv[2]);
export default task.default;
