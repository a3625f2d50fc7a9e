// A set of hosts within one block of 65,536 host ids, stored as Roaring bitmaps store theirs: the
// sorted 16-bit offsets (2 bytes each) while the set holds at most 4,095 hosts, a bitmap of 8 KiB
// beyond. The two forms are told apart by their length (a bitmap is exactly 8,192 bytes).
export const BLOCK_SIZE = 65_536;
const ARRAY_MAX = 4_095;
const BITMAP_BYTES = BLOCK_SIZE / 8;

export const blockOf = (hostId: number) => Math.floor(hostId / BLOCK_SIZE);
export const offsetOf = (hostId: number) => hostId % BLOCK_SIZE;

const isBitmap = (set: Uint8Array) => set.length === BITMAP_BYTES;

/** The offsets a stored set holds, ascending. */
export function offsets(set: Uint8Array): number[] {
  const out: number[] = [];
  if (isBitmap(set)) {
    for (let byte = 0; byte < BITMAP_BYTES; byte++) {
      let bits = set[byte]!;
      while (bits) {
        const low = bits & -bits;
        out.push(byte * 8 + 31 - Math.clz32(low));
        bits ^= low;
      }
    }
  } else {
    for (let i = 0; i < set.length; i += 2) out.push(set[i]! | (set[i + 1]! << 8));
  }
  return out;
}

export function size(set: Uint8Array): number {
  if (!isBitmap(set)) return set.length / 2;
  let n = 0;
  for (let byte = 0; byte < BITMAP_BYTES; byte++) {
    let bits = set[byte]!;
    while (bits) {
      bits &= bits - 1;
      n++;
    }
  }
  return n;
}

/** The stored form of a set of offsets (null for the empty set: nothing is stored). */
export function encode(sortedOffsets: readonly number[]): Uint8Array | null {
  if (!sortedOffsets.length) return null;
  if (sortedOffsets.length > ARRAY_MAX) {
    const bits = new Uint8Array(BITMAP_BYTES);
    for (const offset of sortedOffsets) bits[offset >> 3]! |= 1 << (offset & 7);
    return bits;
  }
  const out = new Uint8Array(sortedOffsets.length * 2);
  sortedOffsets.forEach((offset, i) => {
    out[2 * i] = offset & 0xff;
    out[2 * i + 1] = offset >> 8;
  });
  return out;
}

/**
 * A stored set with changes applied in order: offsets to add, or to remove when marked with
 * `present` false. Null when the set becomes empty.
 */
export function applyChanges(set: Uint8Array | null, changes: readonly HostChange[]): Uint8Array | null {
  if (set && isBitmap(set)) {
    const bits = Uint8Array.from(set);
    for (const [offset, present] of changes) {
      if (present) bits[offset >> 3]! |= 1 << (offset & 7);
      else bits[offset >> 3]! &= ~(1 << (offset & 7));
    }
    return size(bits) > ARRAY_MAX ? bits : encode(offsets(bits));
  }
  const members = new Set(set ? offsets(set) : []);
  for (const [offset, present] of changes) {
    if (present) members.add(offset);
    else members.delete(offset);
  }
  return encode([...members].sort((a, b) => a - b));
}

/** The union of two stored sets (`a` null: the empty set). */
export function union(a: Uint8Array | null, b: Uint8Array): Uint8Array {
  if (!a) return b;
  if (isBitmap(a) || isBitmap(b)) {
    const bits = new Uint8Array(BITMAP_BYTES);
    for (const set of [a, b]) {
      if (isBitmap(set)) for (let i = 0; i < BITMAP_BYTES; i++) bits[i]! |= set[i]!;
      else for (const offset of offsets(set)) bits[offset >> 3]! |= 1 << (offset & 7);
    }
    return bits;
  }
  const x = offsets(a);
  const y = offsets(b);
  const merged: number[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    const next = j >= y.length || (i < x.length && x[i]! <= y[j]!) ? x[i++]! : y[j++]!;
    if (merged.at(-1) !== next) merged.push(next);
  }
  return encode(merged)!;
}

/** An offset in a block, and whether the host is added (true) or removed (false). */
export type HostChange = [offset: number, present: boolean];
