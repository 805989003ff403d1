/**
 * Structure-aware mutation of seed inputs. TLS and DER are length-prefixed, so besides blind byte
 * edits the mutator finds plausible length fields (1-, 2- and 3-byte big-endian prefixes that
 * match the bytes after them, DER short and long lengths) and bends them: off by one, zero,
 * maximum, or consistent with an inserted or removed range. It also splices seeds together,
 * duplicates ranges (repeated extensions, repeated certificates) and plants interesting values.
 */
import { concat } from "../helpers/framing.js";
import type { Rng } from "./rng.js";

const INTERESTING_BYTES = [0x00, 0x01, 0x02, 0x03, 0x04, 0x7f, 0x80, 0x81, 0x82, 0xfe, 0xff];

/** Offsets of length fields whose value equals the number of bytes left after them (or fits inside). */
function lengthFields(input: Uint8Array, width: 1 | 2 | 3): number[] {
  const found: number[] = [];
  for (let at = 0; at + width <= input.length && found.length < 64; at++) {
    let value = 0;
    for (let i = 0; i < width; i++) value = value * 256 + input[at + i];
    if (value === 0) continue;
    const rest = input.length - at - width;
    if (value <= rest && (value === rest || width > 1)) found.push(at);
  }
  return found;
}

function writeLength(out: Uint8Array, at: number, width: number, value: number): void {
  for (let i = width - 1; i >= 0; i--) {
    out[at + i] = value & 0xff;
    value = Math.floor(value / 256);
  }
}

function readLength(b: Uint8Array, at: number, width: number): number {
  let value = 0;
  for (let i = 0; i < width; i++) value = value * 256 + b[at + i];
  return value;
}

type Mutation = (input: Uint8Array, rng: Rng, seeds: readonly Uint8Array[]) => Uint8Array;

const mutations: Mutation[] = [
  // bit flips
  (s, rng) => {
    const out = s.slice();
    for (let n = 1 + rng.below(4); n > 0 && out.length > 0; n--) out[rng.below(out.length)] ^= 1 << rng.below(8);
    return out;
  },
  // an interesting byte somewhere (often in the headers, where lengths and types live)
  (s, rng) => {
    const out = s.slice();
    if (out.length === 0) return out;
    const at = rng.below(2) === 0 ? rng.below(Math.min(out.length, 48)) : rng.below(out.length);
    out[at] = rng.pick(INTERESTING_BYTES);
    return out;
  },
  // truncation
  (s, rng) => s.slice(0, rng.below(s.length + 1)),
  // delete a range
  (s, rng) => {
    const at = rng.below(s.length + 1);
    const n = 1 + rng.below(32);
    return concat([s.subarray(0, at), s.subarray(Math.min(s.length, at + n))]);
  },
  // insert random bytes
  (s, rng) => {
    const at = rng.below(s.length + 1);
    return concat([s.subarray(0, at), rng.bytes(1 + rng.below(32)), s.subarray(at)]);
  },
  // duplicate a range (repeated extension, certificate, record)
  (s, rng) => {
    if (s.length === 0) return s;
    const from = rng.below(s.length);
    const n = 1 + rng.below(Math.min(256, s.length - from));
    const to = rng.below(s.length + 1);
    return concat([s.subarray(0, to), s.subarray(from, from + n), s.subarray(to)]);
  },
  // splice with another seed
  (s, rng, seeds) => {
    const other = rng.pick(seeds);
    return concat([s.subarray(0, rng.below(s.length + 1)), other.subarray(rng.below(other.length + 1))]);
  },
  // bend a length field: off by one, zero, all ones, or twice
  (s, rng) => {
    const width = (1 + rng.below(3)) as 1 | 2 | 3;
    const fields = lengthFields(s, width);
    if (fields.length === 0) return s;
    const at = rng.pick(fields);
    const value = readLength(s, at, width);
    const max = 2 ** (8 * width) - 1;
    const choices = [value + 1, value - 1, 0, max, value * 2, value >>> 1];
    const out = s.slice();
    writeLength(out, at, width, Math.max(0, Math.min(max, rng.pick(choices))));
    return out;
  },
  // grow a length-prefixed structure consistently: insert bytes and fix the enclosing length
  (s, rng) => {
    const width = (2 + rng.below(2)) as 2 | 3;
    const fields = lengthFields(s, width);
    if (fields.length === 0) return s;
    const at = rng.pick(fields);
    const value = readLength(s, at, width);
    const extra = rng.bytes(1 + rng.below(64));
    const insertAt = at + width + rng.below(value + 1);
    const out = concat([s.subarray(0, insertAt), extra, s.subarray(insertAt)]);
    writeLength(out, at, width, Math.min(2 ** (8 * width) - 1, value + extra.length));
    return out;
  },
  // DER: turn a short length into a long form, or a long form into an indefinite one
  (s, rng) => {
    if (s.length < 2) return s;
    const at = 1 + rng.below(Math.min(s.length - 1, 64));
    const out = s.slice();
    out[at] = rng.pick([0x80, 0x81, 0x82, 0x83, 0x84, 0x88, 0xff]);
    return out;
  },
];

/** One to three stacked mutations of `input`. */
export function mutate(input: Uint8Array, rng: Rng, seeds: readonly Uint8Array[]): Uint8Array {
  let out = input;
  for (let n = 1 + rng.below(3); n > 0; n--) out = rng.pick(mutations)(out, rng, seeds);
  return out;
}
