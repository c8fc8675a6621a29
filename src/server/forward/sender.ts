// One remote-write POST and what its answer means for the forwarder: delivered (2xx), retry
// (5xx, 429, network errors, timeouts: the receiver may take it later), or rejected (any other
// 4xx: sending the same bytes again cannot change the answer).

export interface Destination {
  /** Where requests go, as given. */
  readonly url: string;
  /** The URL without credentials: the cursor's key in the store and the `destination` label. */
  readonly name: string;
  /** Extra headers (tenant, authorization), sent on every request. */
  readonly headers: Readonly<Record<string, string>>;
}

export type SendOutcome =
  | { readonly kind: "delivered"; readonly status: number }
  | { readonly kind: "retry"; readonly reason: string }
  | { readonly kind: "rejected"; readonly status: number; readonly reason: string };

/** The URL with any user:password removed (it may carry credentials; labels and logs must not). */
export function destinationName(url: string): string {
  const u = new URL(url);
  u.username = "";
  u.password = "";
  return u.toString();
}

const REASON_CHARS = 300;

export async function sendRequest(d: Destination, body: Uint8Array, timeoutMs: number, signal: AbortSignal): Promise<SendOutcome> {
  let res: Response;
  try {
    res = await fetch(d.url, {
      method: "POST",
      headers: {
        ...d.headers,
        "content-type": "application/x-protobuf",
        "content-encoding": "snappy",
        "x-prometheus-remote-write-version": "0.1.0",
        "user-agent": "percore-telemetry-server",
      },
      body: body as Uint8Array<ArrayBuffer>,
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const cause = err.cause?.code ?? err.cause?.message ?? "";
    return { kind: "retry", reason: `${err.name === "TimeoutError" ? `no answer in ${timeoutMs} ms` : err.message}${cause ? ` (${cause})` : ""}` };
  }
  const text = await res.text().catch(() => "");
  const reason = `${res.status} ${text.trim().slice(0, REASON_CHARS)}`.trim();
  if (res.status >= 200 && res.status < 300) return { kind: "delivered", status: res.status };
  if (res.status >= 500 || res.status === 429 || res.status === 408) return { kind: "retry", reason };
  return { kind: "rejected", status: res.status, reason };
}

/**
 * Prometheus appends a request all or nothing, and answers a request it already stored with 400
 * `out of order sample`: on a resend of identical bytes that answer means the first send was
 * stored. (`duplicate sample for timestamp` means another value at the same time: not a resend.)
 */
export function alreadyStored(reason: string): boolean {
  return /out of order sample/i.test(reason);
}
