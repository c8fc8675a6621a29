// The server's answer to a batch, on every transport (HTTP body or WebSocket frame, msgpack or
// JSON): an ack with the stream's last stored sequence and its stored total, or an error. One type
// for the server that writes it and the exporter that reads it.

export interface BatchAck {
  /** Last sequence of the stream stored (this batch's, or a later one's). */
  readonly seq: number;
  /** Points and events stored for the stream so far. */
  readonly stored: number;
}

export interface ReplyError {
  /** A stable code such as E_BAD_BATCH (docs/server.md lists them). */
  readonly code: string;
  readonly message: string;
  /** Where in the input: a path like `points[3][5]`, `line 12`, or a byte offset. */
  readonly where?: string;
}

export interface ErrorReply {
  readonly error: ReplyError;
}

export type BatchReply = BatchAck | ErrorReply;
