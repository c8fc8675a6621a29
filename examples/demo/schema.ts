import { attributes, metricSet, counter, upDownCounter, gauge, histogram, mmsc, str, int, oneOf } from "percore/schema";

export const WorkerAttrs = attributes("worker.attrs", {
  workerId: int("Index of the worker thread"),
  route: str("HTTP route template"),
});

export const HttpServer = metricSet("http.server", {
  attributes: WorkerAttrs, // entity attributes: fixed per instance
  measure: {
    // measurement attributes: bounded enums, dense slots
    method: oneOf(["GET", "POST", "OTHER"], "HTTP method"),
    status: oneOf(["2xx", "3xx", "4xx", "5xx"], "Status class"),
  },
  metrics: {
    requests: counter({ unit: "{request}", brief: "Requests handled" }),
    payloadSize: counter({ unit: "By", brief: "Request body bytes", value: "int" }),
    inFlight: upDownCounter({ unit: "{request}", brief: "Requests in progress" }),
    heapUsed: gauge({ unit: "By", brief: "V8 heap in use" }),
    duration: histogram({ unit: "ms", brief: "Handling time", bounds: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000] }),
    queueWait: mmsc({ unit: "ms", brief: "Time waiting in the queue" }),
  },
});

export const Process = metricSet("process.worker", {
  brief: "Per-process counters without attributes",
  metrics: {
    tasks: counter({ unit: "{task}", brief: "Tasks completed" }),
  },
});
