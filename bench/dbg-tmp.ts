import { startVictoriaMetrics } from "../test/promql/helpers/prometheus.ts";
import { tempStore } from "../test/server/helpers/server-process.ts";
import { startServer } from "../src/server/server.ts";
import { ServerExporter } from "../src/export/server-exporter.ts";
import { exportBatchOf } from "../src/runtime/exporter.ts";
import { makeBatch, useShape } from "./server-ingest.ts";
const vm = await startVictoriaMetrics();
const server = await startServer({
  store: tempStore("dbg"),
  port: 0,
  remoteWrite: { destinations: [{ url: vm.writeUrl }] },
  log: (l) => console.log(new Date().toISOString(), l),
});
useShape({ batches: 4, series: 10000, fields: 20 });
const base = Date.now() - 10000;
const ex = new ServerExporter({ url: server.url, timeoutMs: 60000, maxBufferBytes: 1 << 30 });
for (let s = 1; s <= 4; s++) {
  ex.export(exportBatchOf(makeBatch(s, base)));
  await ex.forceFlush();
  await new Promise((r) => setTimeout(r, 3000));
}
await ex.shutdown();
await server.close();
await vm.stop();
