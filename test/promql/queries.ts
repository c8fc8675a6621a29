// The PromQL queries of the differential test: every supported function, operator, aggregation,
// matching modifier and subquery form, over the generated workload (helpers/generator.ts).
const C = "http_requests_total";
const T = "room_temperature_celsius";
const B = "http_request_duration_seconds_bucket";

export const QUERIES: readonly string[] = [
  // selectors and offset
  C, `${C}{route="/api"}`, `${C}{route!="/api"}`, `${C}{route=~"/a.*|/login"}`, `${C}{route!~"/st.*"}`, `${C} offset 5m`, T,
  `{__name__=~"room_.*|${C}", job="sensors"}`, `${T}{zone="attic"}`, `${T}{zone="cold"}`,
  // literals and scalar arithmetic
  "1 + 2 * 3", "2 ^ 3 ^ 2", "-(5 % 3)", "1 > bool 2", "time()", "vector(1)", `scalar(sum(${C}))`, `scalar(${C})`,
  // rate family
  `rate(${C}[5m])`, `rate(${C}[1m])`, `irate(${C}[2m])`, `increase(${C}[10m])`, `delta(${T}[10m])`, `idelta(${T}[3m])`,
  `rate(jobs_processed_total[1m])`, `rate(jobs_processed_total[2m])`, `increase(jobs_processed_total[3m])`, `irate(jobs_processed_total[1m])`,
  `delta(jobs_processed_total[2m])`, `resets(jobs_processed_total[20m])`, `resets(${C}[30m])`, `changes(${T}[10m])`, `rate(${C}[5m] offset 10m)`,
  // *_over_time
  `avg_over_time(${T}[10m])`, `min_over_time(${T}[10m])`, `max_over_time(${T}[10m])`, `sum_over_time(${T}[10m])`, `count_over_time(${T}[10m])`,
  `last_over_time(${T}[10m])`, `quantile_over_time(0.9, ${T}[15m])`, `stddev_over_time(${T}[10m])`, `stdvar_over_time(${T}[10m])`, `present_over_time(${T}[10m])`,
  // aggregations
  `sum(rate(${C}[5m]))`, `sum by (route) (rate(${C}[5m]))`, `sum without (instance) (rate(${C}[5m]))`, `avg by (instance) (${C})`,
  `min by (code) (${C})`, `max by (code) (${C})`, `count by (zone) (${T})`, `stddev by (route) (${C})`, `stdvar by (route) (${C})`,
  `topk(3, rate(${C}[5m]))`, `bottomk(2, ${T})`, `quantile(0.75, ${T})`, `quantile by (route) (0.5, rate(${C}[5m]))`,
  `count_values("degrees", floor(${T}))`, `group by (instance) (${C})`, `sum(${C}) by (code)`,
  // histograms
  `histogram_quantile(0.9, rate(${B}[5m]))`, `histogram_quantile(0.5, sum by (le) (rate(${B}[5m])))`, `histogram_quantile(0.99, sum by (le, route) (rate(${B}[10m])))`,
  `rate(http_request_duration_seconds_sum[5m]) / rate(http_request_duration_seconds_count[5m])`, `sum by (le) (${B})`,
  // comparison and arithmetic between vectors and scalars
  `${C} > 1000`, `${C} > bool 1000`, `1000 < ${C}`, `${C} == bool 0`, `${C} != 0`, `-${T}`, `${T} * 9 / 5 + 32`, `${T} % 7`, `2 ^ (${T} / 10)`,
  // vector matching
  `${C}{code="500"} / ignoring(code) ${C}{code="200"}`, `rate(${C}[5m]) / on(instance, route) group_left sum by (instance, route) (rate(${C}[5m]))`,
  `sum by (instance, route) (${C}) / on(instance, route) group_right ${C}`, `${C} * on(instance) group_left(zone) (${T}{zone="hall"} * 0 + 1)`,
  `${C} > on(instance, route, code) (${C} offset 10m)`, `${C}{code="200"} and on(route) ${C}{code="500"} > 100`,
  `${T}{zone="hall"} or ${T}{zone="cold"}`, `${C} unless ${C}{route="/api"}`, `${C} unless on(route) ${C}{route="/api"}`,
  // functions
  `timestamp(${T})`, `timestamp(sum(${T}))`, `abs(delta(${T}[5m]))`, `ceil(${T})`, `floor(${T})`, `round(${T}, 0.5)`, `round(${T})`, `sqrt(${T})`, `exp(${T} / 10)`,
  `ln(${T})`, `log2(${T})`, `log10(${T})`, `sgn(delta(${T}[5m]))`, `clamp(${T}, 16, 20)`, `clamp_min(${T}, 18)`, `clamp_max(${T}, 18)`,
  `label_replace(${C}, "host", "$1", "instance", "(.*):.*")`, `label_join(${C}, "id", "-", "instance", "route")`,
  `absent(nonexistent_metric{job="x"})`, `absent(${C})`, `absent_over_time(nonexistent_metric{zone="y"}[5m])`, `absent_over_time(${T}{zone="cold"}[5m])`,
  // subqueries
  `max_over_time(rate(${C}[1m])[10m:1m])`, `avg_over_time(${T}[15m:30s])`, `rate(${C}[5m:])`, `min_over_time(sum by (route) (${C})[20m:2m] offset 5m)`,
];

/** Instant queries whose order matters (the rest are compared as sets). */
export const ORDERED: readonly string[] = [`sort(${T})`, `sort_desc(${T})`];

/** Only instant queries: a range vector or a string result. */
export const INSTANT_ONLY: readonly string[] = [`${C}[5m]`, `${T}[2m] offset 1m`, `${T}[10m:2m]`, `"hello"`];

/** Both Prometheus and our server must refuse these. */
export const REJECTED: readonly string[] = [
  "foo{", "sum(", "rate(http_requests_total)", "http_requests_total[5m] + 1", "1 > 2", '{job=~".*"}',
  "http_requests_total / on(route) http_requests_total", `rate({__name__=~"http_request_duration_seconds_(sum|count)"}[5m])`,
  `label_replace(${C}, "route", "x", "route", ".*")`, "no_such_function(foo)", 'topk("a", foo)', "foo offset 5m offset 1m",
  "sum by (route) (1)", "foo and 1", "http_requests_total[5m:1m] offset", "1 +", 'count_values(1, foo)', 'histogram_quantile(foo, bar)',
];
