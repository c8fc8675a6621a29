// Ids for events sent without `event_id`. The events table's event_id is UNIQUE (a resent event
// with the same id is stored once), and SQL UNIQUE lets any number of NULLs through but
// `INSERT OR IGNORE` does not: so every stored event gets an id, generated here when the client
// gave none. The form is a UUIDv7 (RFC 9562): 48 bits of ms time, then random bits, so generated
// ids sort by arrival and never collide with each other.
import { randomFillSync } from "node:crypto";

const pool = Buffer.alloc(16 * 256);
let used = pool.length;

function random10(): Buffer {
  if (used + 10 > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const b = pool.subarray(used, used + 10);
  used += 10;
  return b;
}

export function generateEventId(now = Date.now()): string {
  const b = Buffer.alloc(16);
  b.writeUIntBE(now, 0, 6);
  random10().copy(b, 6);
  b[6] = 0x70 | (b[6] & 0x0f); // version 7
  b[8] = 0x80 | (b[8] & 0x3f); // variant 10
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
