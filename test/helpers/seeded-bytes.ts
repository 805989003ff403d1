/**
 * Deterministic filler bytes from a 32-bit seed (xorshift32). Tests use it where the content does
 * not matter, only that it is reproducible and cheap: large inputs from one fast-check integer,
 * payloads that must arrive intact. Never a source of keys outside tests.
 */
export function bytesFromSeed(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  // xorshift32 has no zero state: a zero seed would give only zeros.
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
