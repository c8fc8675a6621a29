// `telemetry-server tail`: prints events as the server stores them, one line each, from the
// server-sent events of GET /api/v1/events/tail (docs/server.md, "Live tail").
import { isServerError, serverError, type ServerError } from "../server/errors.ts";

export const TAIL_HELP = `Tail options:
  --name <glob[,glob]>   only these event names (* any run of characters, ? one), e.g. job.*
  --severity <level>     only this severity or above: trace, debug, info, warn, error, fatal or 1-24
  --since <duration>     first print the stored events of the last 5m, 1h, ... (at most --limit)
  --limit <n>            most events --since replays (default 1000, at most 100000)
  --url <url>            server (default http://$TELEMETRY_HOST:$TELEMETRY_PORT)
  --token <token>        bearer token [TELEMETRY_TOKEN]
  --json                 print each event as its JSON object instead of a line`;

interface TailEvent {
  readonly time: string;
  readonly event_id: string;
  readonly event_time: string | null;
  readonly event_name: string | null;
  readonly event_type: string | null;
  readonly severity_text: string | null;
  readonly attributes: Record<string, unknown> | null;
  readonly payload: unknown;
}

const RESERVED = new Set(["event_id", "event_time", "event_type", "event_name", "severity", "severity_number", "severity_text"]);

const show = (v: unknown): string => (typeof v === "string" && /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v));

/** `2026-12-01T10:00:00.000Z ERROR job.failed jobId=42 reason=timeout [workerId=1]`. */
export function formatEvent(e: TailEvent): string {
  const parts = [e.event_time ?? e.time, (e.severity_text ?? "-").padEnd(5), e.event_name ?? `(${e.event_type ?? "event"})`];
  if (typeof e.payload === "object" && e.payload !== null && !Array.isArray(e.payload)) {
    for (const [k, v] of Object.entries(e.payload)) if (!RESERVED.has(k)) parts.push(`${k}=${show(v)}`);
  } else if (e.payload !== null) parts.push(show(e.payload));
  if (e.attributes && Object.keys(e.attributes).length > 0) {
    parts.push(
      `[${Object.entries(e.attributes)
        .map(([k, v]) => `${k}=${show(v)}`)
        .join(" ")}]`,
    );
  }
  return parts.join(" ");
}

export async function tail(flags: Map<string, string>, out: (line: string) => void, err: (line: string) => void): Promise<ServerError | undefined> {
  const host = process.env.TELEMETRY_HOST ?? "127.0.0.1";
  const base = flags.get("url") ?? `http://${host}:${process.env.TELEMETRY_PORT ?? "4318"}`;
  const token = flags.get("token") ?? process.env.TELEMETRY_TOKEN;
  const q = new URLSearchParams();
  for (const k of ["name", "severity", "since", "limit"]) {
    const v = flags.get(k);
    if (v !== undefined) q.set(k, v);
  }
  const url = `${base}/api/v1/events/tail${q.size > 0 ? `?${q}` : ""}`;
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: "text/event-stream", ...(token ? { authorization: `Bearer ${token}` } : {}) } });
  } catch (e) {
    return serverError("E_IO", `no server answers at ${base}: ${String((e as { cause?: Error }).cause?.message ?? (e as Error).message)}`, "--url");
  }
  if (res.status !== 200 || !res.body) {
    const body = (await res.json().catch(() => ({}))) as { error?: ServerError };
    return body.error ?? serverError("E_IO", `HTTP ${res.status} from ${url}`);
  }
  err(`tailing ${url}`);
  const json = flags.get("json") === "true";
  const decoder = new TextDecoder();
  let text = "";
  for await (const bytes of res.body as unknown as AsyncIterable<Uint8Array>) {
    text += decoder.decode(bytes, { stream: true });
    let end: number;
    while ((end = text.indexOf("\n\n")) >= 0) {
      const message = text.slice(0, end);
      text = text.slice(end + 2);
      let event = "message";
      let data = "";
      for (const line of message.split("\n")) {
        if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data += line.slice(6);
      }
      if (event === "event") out(json ? data : formatEvent(JSON.parse(data) as TailEvent));
      else if (event === "dropped")
        err(`-- ${(JSON.parse(data) as { dropped: number }).dropped} events dropped: this client read too slowly (--tail-buffer on the server)`);
      else if (event === "shutdown") {
        err("-- the server is shutting down");
        return undefined;
      } else if (event === "error") {
        const e = JSON.parse(data) as ServerError;
        return isServerError(e) ? e : serverError("E_IO", data);
      }
    }
  }
  return serverError("E_IO", `the server at ${base} closed the tail`);
}
