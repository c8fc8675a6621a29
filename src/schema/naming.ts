// Naming rules shared by the code generator and anything else that checks a schema: how a
// property key becomes a metric or attribute name, and which names are valid on the wire.
// Names end up as Prometheus metric names, OTel semantic-convention ids and DuckDB values, so the
// rule is the strictest common form: lowercase dotted segments, snake case within a segment.

/** Longest metric, attribute or set name accepted (the semconv tooling rejects longer ids). */
export const MAX_NAME_LENGTH = 255;

const SEGMENT = "[a-z][a-z0-9_]*";
const NAME_PATTERN = new RegExp(`^${SEGMENT}(?:\\.${SEGMENT})*$`);

/**
 * A property key as one name segment in snake case, as OpenTelemetry semantic conventions spell a
 * multi-word component (`http.response.status_code`): `payloadSize` -> `payload_size`,
 * `httpURL` -> `http_url`, `p99Latency` -> `p99_latency`. A split happens only before an
 * uppercase letter that follows a lowercase letter or a digit, so a run of capitals stays one
 * word; underscores are kept. Dots come only from the set name or an explicit `name:`.
 */
export function snakeLowercase(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

/** Default metric name of a field: `<set name>.<key in snake case>`. */
export function defaultMetricName(setName: string, key: string): string {
  return `${setName}.${snakeLowercase(key)}`;
}

/** Default wire name of an attribute: its key in snake case (`workerId` -> `worker_id`). */
export function defaultAttributeName(key: string): string {
  return snakeLowercase(key);
}

/** Why `name` is not a valid metric, attribute or set name, or undefined when it is valid. */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return "it is empty";
  if (name.length > MAX_NAME_LENGTH) return `it is ${name.length} characters long, the limit is ${MAX_NAME_LENGTH}`;
  if (NAME_PATTERN.test(name)) return undefined;
  if (/[A-Z]/.test(name)) return "it contains uppercase letters";
  if (/^\.|\.$|\.\./.test(name)) return "it has an empty segment";
  const bad = name.split(".").find((s) => !/^[a-z]/.test(s));
  if (bad !== undefined) return `segment \`${bad}\` does not start with a lowercase letter`;
  return "it contains characters other than a-z, 0-9, `_` and `.`";
}

export const NAME_RULE = "lowercase segments of a-z, 0-9 and `_`, each starting with a letter, joined by dots, at most 255 characters";
