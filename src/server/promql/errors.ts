// Errors in Prometheus's API shape: `{status: "error", errorType, error}` with its HTTP status.
// bad_data 400 (the query or a parameter), execution 422 (e.g. too many samples), timeout 503,
// unavailable 503 (every query connection busy, or shutting down: retry), internal 500.

export type PromErrorType = "bad_data" | "execution" | "timeout" | "unavailable" | "internal";

const STATUS: Readonly<Record<PromErrorType, number>> = { bad_data: 400, execution: 422, timeout: 503, unavailable: 503, internal: 500 };

export class PromqlError extends Error {
  readonly type: PromErrorType;
  constructor(type: PromErrorType, message: string) {
    super(message);
    this.type = type;
  }

  get status(): number {
    return STATUS[this.type];
  }
}

export const badData = (message: string): PromqlError => new PromqlError("bad_data", message);

/** For constructs the parser accepts and this engine does not evaluate: refused, never guessed. */
export const unsupported = (what: string): PromqlError => new PromqlError("bad_data", `${what} is not supported by this server (see docs/query-api.md)`);
