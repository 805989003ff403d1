/**
 * AsyncRecordProtection: records sealed and opened with many in flight must be byte for byte what
 * the synchronous RecordProtection gives for the same key, IV and sequence (itself checked against
 * an independent node:crypto record layer in test/record/record-layer.test.ts and RFC 8448), and
 * must come back in submission order however the AEAD's answers are scheduled.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TLSError, toHex } from "../../src/bytes/index.js";
import type { AeadAlgorithm, AsyncAeadKey } from "../../src/crypto/provider.js";
import { pureProvider } from "../../src/crypto/pure.js";
import { webCryptoProvider } from "../../src/crypto/webcrypto/index.js";
import { AsyncRecordProtection } from "../../src/record/async-record-protection.js";
import { RecordProtection } from "../../src/record/record-protection.js";
import { bytesFromSeed } from "../helpers/seeded-bytes.js";

const web = (await webCryptoProvider()).asynchronous;

/**
 * A pure AEAD whose answers arrive after a random number of macrotask turns, so later records
 * often finish first: the order must come from AsyncRecordProtection, not from the scheduler.
 */
function shuffledAead(algorithm: AeadAlgorithm, key: Uint8Array, delays: () => number): AsyncAeadKey {
  const inner = pureProvider.aead(algorithm, key);
  const later = <T>(value: () => T): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value()), delays()));
  return {
    algorithm,
    seal(nonce, aad, buf, offset, length) {
      const [n, a] = [nonce.slice(), aad.slice()];
      return later(() => inner.seal(n, a, buf, offset, length));
    },
    open(nonce, aad, buf, offset, length) {
      const [n, a] = [nonce.slice(), aad.slice()];
      return later(() => inner.open(n, a, buf, offset, length));
    },
  };
}

/** Each record in its own buffer: header, TLSInnerPlaintext (content + type 23), room for the tag. */
function records(seed: number, sizes: readonly number[]): Uint8Array[] {
  return sizes.map((size, i) => {
    const buf = new Uint8Array(5 + size + 1 + 16);
    buf.set(bytesFromSeed(seed + i, size), 5);
    buf[5 + size] = 23;
    return buf;
  });
}

/** Delays of 0 to 3 turns from a seed, varying per call (a linear congruential sequence). */
function delaysFrom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return (state >>> 16) % 4;
  };
}

const keyOf = (algorithm: AeadAlgorithm, seed: number) => bytesFromSeed(seed, algorithm === "AES-128-GCM" ? 16 : 32);

describe("AsyncRecordProtection", () => {
  const input = fc.record({
    algorithm: fc.constantFrom<AeadAlgorithm>("AES-128-GCM", "AES-256-GCM"),
    seed: fc.integer({ min: 1, max: 0x7fffffff }),
    sizes: fc.array(fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constant(16384), fc.integer({ min: 0, max: 16384 })), { minLength: 1, maxLength: 24 }),
    depth: fc.integer({ min: 1, max: 12 }),
    shuffled: fc.boolean(),
  });

  it("seals with records in flight to the bytes RecordProtection gives, and hands them back in order", async () => {
    await fc.assert(
      fc.asyncProperty(input, async ({ algorithm, seed, sizes, depth, shuffled }) => {
        const key = keyOf(algorithm, seed);
        const iv = bytesFromSeed(seed ^ 0x5a5a, 12);
        const aead = shuffled ? shuffledAead(algorithm, key, delaysFrom(seed)) : await web.aead(algorithm, key);
        const pipeline = new AsyncRecordProtection(aead, iv, depth);
        const reference = new RecordProtection(pureProvider.aead(algorithm, key), iv);

        const ours = records(seed, sizes);
        const expected = records(seed, sizes).map((buf, i) => buf.subarray(0, reference.seal(buf, 0, sizes[i] + 1)));
        const finished: number[] = [];
        const lengths: Promise<number>[] = [];
        for (let i = 0; i < ours.length; i++) {
          await pipeline.whenReady();
          expect(pipeline.inFlight).toBeLessThan(depth);
          lengths.push(Promise.resolve(pipeline.seal(ours[i], 0, sizes[i] + 1)).then((n) => (finished.push(i), n)));
        }
        const sealed = await Promise.all(lengths);
        await pipeline.drained();
        expect(pipeline.inFlight).toBe(0);
        expect(finished).toEqual(sizes.map((_, i) => i));
        expect(ours.map((buf, i) => toHex(buf.subarray(0, sealed[i])))).toEqual(expected.map(toHex));
      }),
      { numRuns: 40 },
    );
  });

  it("opens RecordProtection's records with records in flight; a forged one fails, and so does every later one", async () => {
    await fc.assert(
      fc.asyncProperty(input, fc.nat(), async ({ algorithm, seed, sizes, depth, shuffled }, pick) => {
        const key = keyOf(algorithm, seed);
        const iv = bytesFromSeed(seed ^ 0x1234, 12);
        const reference = new RecordProtection(pureProvider.aead(algorithm, key), iv);
        const wire = records(seed, sizes).map((buf, i) => buf.subarray(0, reference.seal(buf, 0, sizes[i] + 1)));
        const forged = pick % (wire.length + 1); // == wire.length: nothing forged
        if (forged < wire.length) wire[forged][5 + (pick % (wire[forged].length - 5))] ^= 0x40;

        const aead = shuffled ? shuffledAead(algorithm, key, delaysFrom(seed + pick)) : await web.aead(algorithm, key);
        const pipeline = new AsyncRecordProtection(aead, iv, depth);
        const outcomes = wire.map((buf) =>
          Promise.resolve(pipeline.open(buf, 0, buf.length - 5)).then(
            (inner) => toHex(buf.subarray(5, 5 + inner)),
            (e: unknown) => (e instanceof TLSError ? e.alertName : String(e)),
          ),
        );
        const results = await Promise.all(outcomes);
        const plain = records(seed, sizes).map((buf, i) => toHex(buf.subarray(5, 5 + sizes[i] + 1)));
        expect(results).toEqual(plain.map((p, i) => (i < forged ? p : "bad_record_mac")));
        if (forged < wire.length) expect(() => pipeline.open(wire[0], 0, wire[0].length - 5)).toThrow(TLSError);
      }),
      { numRuns: 40 },
    );
  });

  it("with a synchronous AEAD answers at once, without a Promise", () => {
    const key = new Uint8Array(32);
    const iv = new Uint8Array(12);
    const pipeline = new AsyncRecordProtection(pureProvider.aead("CHACHA20-POLY1305", key), iv);
    const reference = new RecordProtection(pureProvider.aead("CHACHA20-POLY1305", key), iv);
    const [a] = records(1, [100]);
    const [b] = records(1, [100]);
    const length = pipeline.seal(a, 0, 101);
    expect(length).toBe(reference.seal(b, 0, 101));
    expect(toHex(a)).toBe(toHex(b));
    expect(pipeline.whenReady()).toBeNull();
    const opener = new AsyncRecordProtection(pureProvider.aead("CHACHA20-POLY1305", key), iv);
    expect(opener.open(a, 0, (length as number) - 5)).toBe(101);
  });
});
