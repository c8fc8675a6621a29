// What the event ticker costs (docs/sdk.md, "Time"): the process's CPU over a few seconds with
// the real EventClock ticking one ring, against the same seconds with it parked. Runnable alone:
//
//   node --conditions=source --import tsx bench/event-clock-cost.ts [seconds=5]
import { EventClock } from "../src/runtime/event-clock.ts";

const seconds = Number(process.argv[2] ?? 5);

async function cpuMsPerSecond(): Promise<number> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / ((performance.now() - t0) / 1000);
}

const idle = await cpuMsPerSecond();
const clock = new EventClock("ticker");
clock.add(new SharedArrayBuffer(64));
const ticking = await cpuMsPerSecond();
await clock.close();
console.log(`CPU ms per second: idle ${idle.toFixed(1)}, ticker running ${ticking.toFixed(1)}, the ticker ${(ticking - idle).toFixed(1)}`);
