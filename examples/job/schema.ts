// Metrics of a short-lived batch job: one `job.run` instance per job name; the record outcome is a
// measurement attribute, so ok/skipped/failed are dense slots of the same instance.
import { attributes, counter, histogram, metricSet, oneOf, str } from "percore/schema";

export const JobAttrs = attributes("job.attrs", {
  jobName: str("Name of the job"),
});

export const JobRun = metricSet("job.run", {
  brief: "Records processed by a batch job run",
  attributes: JobAttrs,
  measure: {
    outcome: oneOf(["ok", "skipped", "failed"], "What happened to the record"),
  },
  metrics: {
    records: counter({ unit: "{record}", brief: "Records processed", value: "int" }),
    recordBytes: counter({ unit: "By", brief: "Bytes of the records processed", value: "int" }),
    recordDuration: histogram({ unit: "ms", brief: "Time to process one record", bounds: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 1] }),
  },
});

export const JobLifecycle = metricSet("job.lifecycle", {
  brief: "Runs of a batch job",
  attributes: JobAttrs,
  metrics: {
    runs: counter({ unit: "{run}", brief: "Runs completed", value: "int" }),
  },
});
