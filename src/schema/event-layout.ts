// Memory layout of an event ring (one per thread and event group; see src/runtime/event-ring.ts),
// shared by codegen (which bakes field offsets into the emitters) and the runtime (which writes
// and drains the ring).
//
// ring   = header, then `capacity` records of `stride` Float64 elements each.
// header = [written, read, level word, clock, dropped per event..., invalid per event...]
//   written: records published by the writer (monotonic); only the writer stores it, last.
//   read:    records consumed by the collector (monotonic); only the collector stores it.
//   level:   an Int32 in the element's first 4 bytes: the lowest SeverityNumber recorded; only
//            the collector writes it (collector.setLevel), emitters read it first thing.
//   clock:   0, or the time a ticker thread writes every ms while it runs (collector option
//            eventClock, src/runtime/event-clock.ts); an emit takes it instead of calling
//            Date.now() when set.
//   dropped: per event of the group, records dropped because the ring was full (writer only).
//   invalid: per event, calls dropped because an untyped caller passed a wrong type (writer only).
// record = [time (ms since the epoch), tag (source * 256 + event index), field slots...,
//           string bytes]
//   A field slot holds the number, the boolean as 0/1, the enum value's index, or for a string
//   its UTF-8 byte length (-length - 1 when it was truncated to maxLength); the bytes sit in the
//   record's byte area at the field's byteOffset.
export const RING_WRITTEN = 0;
export const RING_READ = 1;
export const RING_LEVEL = 2;
export const RING_CLOCK = 3;
export const RING_COUNTS = 4;
export const RECORD_TIME = 0;
export const RECORD_TAG = 1;
export const RECORD_FIELDS = 2;
/** Default records per ring: 10,000 events/s/worker at a 1 s cadence, with room for a late flush. */
export const DEFAULT_RING_SIZE = 16_384;

export type EventFieldType = "string" | "int" | "double" | "boolean" | "enum";

export interface LaidOutField {
  readonly type: EventFieldType;
  readonly maxLength?: number;
}

/** Header elements of a ring for a group of `events` events. */
export const ringHeaderLength = (events: number): number => RING_COUNTS + 2 * events;
export const droppedIndex = (event: number): number => RING_COUNTS + event;
export const invalidEventIndex = (events: number, event: number): number => RING_COUNTS + events + event;

/** Where each field of an event lives in a record: its slot, and for strings the byte offset of its bytes. */
export function layoutEvent(fields: readonly LaidOutField[], fieldSlots: number): { slot: number; byteOffset?: number }[] {
  let byteOffset = (RECORD_FIELDS + fieldSlots) * 8;
  return fields.map((f, i) => {
    const slot = RECORD_FIELDS + i;
    if (f.type !== "string") return { slot };
    const at = byteOffset;
    byteOffset += roundUp8(f.maxLength ?? 0);
    return { slot, byteOffset: at };
  });
}

/** Float64 elements of one record for a group: enough for its widest event (fields and string bytes). */
export function recordStride(events: readonly (readonly LaidOutField[])[]): number {
  const slots = Math.max(0, ...events.map((e) => e.length));
  const bytes = Math.max(0, ...events.map((e) => e.reduce((n, f) => n + (f.type === "string" ? roundUp8(f.maxLength ?? 0) : 0), 0)));
  return RECORD_FIELDS + slots + bytes / 8;
}

const roundUp8 = (n: number): number => Math.ceil(n / 8) * 8;
