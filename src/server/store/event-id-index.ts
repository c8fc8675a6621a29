// Which client-chosen event ids are stored, in memory, so a new id costs no lookup in DuckDB. A
// B-tree/ART index on the id made DuckDB ingest slow down as it grew (random ids: under 50,000
// ids/s past a few million), and scanning the stored ids per commit costs ~0.5 s at 5M ids
// (bench/server-events.ts, docs/server.md). Here every stored id has a 53-bit hash in an
// open-addressing table (8 bytes a slot, at most half full: 16 bytes an id), filled from the
// event_ids table at start, so "not in the table" proves an id new; a hash that is present is
// confirmed exactly, first against the most recent ids (a client's retry is usually recent),
// then against event_ids in DuckDB (an old duplicate, or a hash collision: rare).

/** A 53-bit hash of a string: two 32-bit multiply-xorshift lanes over its UTF-16 units. */
export function idHash(s: string): number {
  let a = 0x9e3779b9 ^ s.length;
  let b = 0x85ebca6b;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0xcc9e2d51);
    a = (a << 15) | (a >>> 17);
    b = Math.imul(b ^ c, 0x1b873593);
    b = (b << 13) | (b >>> 19);
  }
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b) ^ Math.imul(b ^ (b >>> 13), 0xc2b2ae35);
  b = Math.imul(b ^ (b >>> 16), 0x27d4eb2f) ^ Math.imul(a ^ (a >>> 15), 0x165667b1);
  // 21 bits of one lane above 32 of the other: exact in a double; never 0 (the empty slot).
  return (b >>> 11) * 4294967296 + (a >>> 0) || 1;
}

export class EventIdIndex {
  private slots = new Float64Array(1 << 16);
  private count = 0;
  /** The last `recentMax` ids stored, exactly: a ring (oldest overwritten) and a set to look up. */
  private readonly recent = new Set<string>();
  private readonly ring: (string | undefined)[];
  private next = 0;

  constructor(recentMax = 100_000) {
    this.ring = new Array<string | undefined>(recentMax);
  }

  get size(): number {
    return this.count;
  }

  /** Bytes the hash table holds (the recent ids come on top, at most `recentMax` strings). */
  get bytes(): number {
    return this.slots.byteLength;
  }

  private slotOf(h: number, slots: Float64Array): number {
    const mask = slots.length - 1;
    // Lower 32 bits pick the slot: they are the better-mixed lane.
    let i = ((h % 4294967296) >>> 0) & mask;
    while (slots[i] !== 0 && slots[i] !== h) i = (i + 1) & mask;
    return i;
  }

  mayHave(h: number): boolean {
    return this.slots[this.slotOf(h, this.slots)] === h;
  }

  /** An id known stored for sure (recent), without asking the store. */
  recentlyStored(id: string): boolean {
    return this.recent.has(id);
  }

  addHash(h: number): void {
    if ((this.count + 1) * 2 > this.slots.length) this.grow();
    const i = this.slotOf(h, this.slots);
    if (this.slots[i] === h) return;
    this.slots[i] = h;
    this.count++;
  }

  /** Records ids whose commit succeeded. */
  add(id: string, h: number): void {
    this.addHash(h);
    if (this.recent.has(id)) return;
    const oldest = this.ring[this.next];
    if (oldest !== undefined) this.recent.delete(oldest);
    this.ring[this.next] = id;
    this.recent.add(id);
    this.next = (this.next + 1) % this.ring.length;
  }

  private grow(): void {
    const old = this.slots;
    const next = new Float64Array(old.length * 2);
    for (const h of old) if (h !== 0) next[this.slotOf(h, next)] = h;
    this.slots = next;
  }
}
