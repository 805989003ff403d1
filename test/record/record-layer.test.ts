/**
 * The record layer (src/record) against an independent RFC 8446 §5 record protection written here
 * on node:crypto (OpenSSL): per-record nonce = IV XOR the padded sequence number (§5.3), the
 * 5-byte header as additional data and TLSInnerPlaintext = content || type || zeros (§5.2, §5.4).
 */
import { createDecipheriv } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TLSError, toHex } from "../../src/bytes/index.js";
import type { AeadAlgorithm } from "../../src/crypto/provider.js";
import { pureProvider } from "../../src/crypto/pure.js";
import { ByteQueue, MAX_PLAINTEXT, RangeCopier, RecordProtection, RecordReader, RecordWriter } from "../../src/record/index.js";
import { AEAD_ALGORITHMS, AEAD_KEY_LENGTH, NODE_AEAD_NAME, nodeAeadSeal } from "../helpers/node-aead.js";
import { bytesFromSeed } from "../helpers/seeded-bytes.js";

/** §5.3 with BigInt arithmetic: a second, independent way to compute the nonce. */
function recordNonce(iv: Uint8Array, sequence: number): Uint8Array {
  const nonce = iv.slice();
  let seq = BigInt(sequence);
  for (let i = 11; i >= 4; i--) {
    nonce[i] ^= Number(seq & 0xffn);
    seq >>= 8n;
  }
  return nonce;
}

/** Independent sealing of one protected record (§5.2): header || AEAD(content || type || padding). */
function nodeSealRecord(algorithm: AeadAlgorithm, key: Uint8Array, iv: Uint8Array, sequence: number, type: number, content: Uint8Array, padding = 0): Uint8Array {
  const inner = new Uint8Array(content.length + 1 + padding);
  inner.set(content);
  inner[content.length] = type;
  const length = inner.length + 16;
  const header = Uint8Array.of(23, 3, 3, length >>> 8, length & 0xff);
  const sealed = nodeAeadSeal(algorithm, key, recordNonce(iv, sequence), header, inner);
  const record = new Uint8Array(5 + sealed.length);
  record.set(header);
  record.set(sealed, 5);
  return record;
}

/** Independent opening; returns the TLSInnerPlaintext. */
function nodeOpenRecord(algorithm: AeadAlgorithm, key: Uint8Array, iv: Uint8Array, sequence: number, record: Uint8Array): Uint8Array {
  const header = record.subarray(0, 5);
  const body = record.subarray(5, record.length - 16);
  const decipher = createDecipheriv(NODE_AEAD_NAME[algorithm] as "aes-128-gcm", key, recordNonce(iv, sequence), { authTagLength: 16 });
  decipher.setAAD(header, { plaintextLength: body.length });
  decipher.setAuthTag(record.subarray(record.length - 16));
  return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]));
}

function keys(algorithm: AeadAlgorithm, seed: number) {
  const key = bytesFromSeed(seed, AEAD_KEY_LENGTH[algorithm]);
  const iv = bytesFromSeed(seed + 1, 12);
  return { key, iv, protection: () => new RecordProtection(pureProvider.aead(algorithm, key), iv) };
}

/** Splits a record stream into records by their headers. */
function splitRecords(stream: Uint8Array): Uint8Array[] {
  const records: Uint8Array[] = [];
  for (let at = 0; at < stream.length; ) {
    const length = (stream[at + 3] << 8) | stream[at + 4];
    records.push(stream.subarray(at, at + 5 + length));
    at += 5 + length;
  }
  return records;
}

describe("RecordWriter seals what an independent RFC 8446 §5.2 implementation opens", () => {
  for (const algorithm of AEAD_ALGORITHMS) {
    it(`${algorithm}: sequence numbers past 255, fragments of 2^14, type byte inside`, () => {
      const { key, iv, protection } = keys(algorithm, 17);
      const writer = new RecordWriter();
      writer.protection = protection();
      const data = bytesFromSeed(5, 3 * MAX_PLAINTEXT + 123);
      writer.write(23, data);
      for (let i = 0; i < 300; i++) writer.write(22, data, i, (i * 37) % 200);
      const records = splitRecords(writer.take()!);
      expect(records.length).toBe(4 + 300);
      records.forEach((record, sequence) => {
        expect([...record.subarray(0, 3)]).toEqual([23, 3, 3]);
        const inner = nodeOpenRecord(algorithm, key, iv, sequence, record);
        if (sequence < 4) {
          const from = sequence * MAX_PLAINTEXT;
          expect(toHex(inner)).toBe(toHex(data.subarray(from, Math.min(data.length, from + MAX_PLAINTEXT))) + "17");
        } else {
          const i = sequence - 4;
          expect(toHex(inner)).toBe(toHex(data.subarray(i, i + ((i * 37) % 200))) + "16");
        }
      });
    });
  }

  it("takeInto hands out the same bytes as take(), in any slice sizes, and keeps the rest queued", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 40000 }), { minLength: 1, maxLength: 6 }), fc.array(fc.integer({ min: 200, max: 30000 }), { minLength: 1, maxLength: 20 }), (writes, slices) => {
        const { protection } = keys("CHACHA20-POLY1305", 3);
        const a = new RecordWriter();
        const b = new RecordWriter();
        a.protection = protection();
        b.protection = protection();
        const got: number[] = [];
        let s = 0;
        for (const [i, n] of writes.entries()) {
          const data = bytesFromSeed(i + 1, n);
          a.write(23, data);
          b.write(23, data);
          // Take part of the output between writes, so queued and new bytes mix.
          const dest = new Uint8Array(slices[s++ % slices.length]);
          got.push(...dest.subarray(0, b.takeInto(dest, 0)));
        }
        // Bounded: every pass takes at least 200 bytes of at most 6 x 40000 (plus framing).
        for (let guard = 0; b.pending > 0 && guard < 2000; guard++) {
          const dest = new Uint8Array(slices[s++ % slices.length] + 3);
          got.push(...dest.subarray(3, 3 + b.takeInto(dest, 3)));
        }
        expect(b.pending).toBe(0);
        expect(toHex(Uint8Array.from(got))).toBe(toHex(a.take() ?? new Uint8Array(0)));
      }),
      { numRuns: 40 },
    );
  });
});

describe("RecordReader opens records sealed by an independent implementation", () => {
  const input = fc.record({
    algorithm: fc.constantFrom(...AEAD_ALGORITHMS),
    records: fc.array(fc.record({ length: fc.integer({ min: 0, max: 3000 }), type: fc.constantFrom(21, 22, 23), padding: fc.integer({ min: 0, max: 40 }) }), { minLength: 1, maxLength: 8 }),
    chunk: fc.integer({ min: 1, max: 5000 }),
  });

  it("in any chunking of the byte stream, recovering content type and content and stripping padding (§5.4)", () => {
    fc.assert(
      fc.property(input, ({ algorithm, records, chunk }) => {
        const { key, iv, protection } = keys(algorithm, 29);
        const contents = records.map((r, i) => bytesFromSeed(100 + i, r.length));
        const stream = Buffer.concat(records.map((r, i) => nodeSealRecord(algorithm, key, iv, i, r.type, contents[i], r.padding)));
        const reader = new RecordReader();
        reader.protection = protection();
        const opened: { type: number; content: string }[] = [];
        for (let at = 0; at < stream.length; at += chunk) {
          const end = Math.min(stream.length, at + chunk);
          for (let offset = at; offset < end; ) {
            offset = reader.feed(stream, offset, end);
            if (!reader.ready) continue;
            expect(reader.openRecord()).toBe(true);
            const c = reader.contentOffset;
            opened.push({ type: reader.contentType, content: toHex(reader.buffer.subarray(c, c + reader.contentLength)) });
            reader.reset();
          }
        }
        expect(reader.partial).toBe(false);
        expect(opened).toEqual(records.map((r, i) => ({ type: r.type, content: toHex(contents[i]) })));
      }),
      { numRuns: 60 },
    );
  });

  function readOne(algorithm: AeadAlgorithm, record: Uint8Array, seed = 29): RecordReader {
    const reader = new RecordReader();
    reader.protection = keys(algorithm, seed).protection();
    reader.feed(record, 0);
    expect(reader.ready).toBe(true);
    reader.openRecord();
    return reader;
  }

  const alertOf = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      if (e instanceof TLSError) return e.alertName;
      throw e;
    }
    return "no error";
  };

  for (const algorithm of AEAD_ALGORITHMS) {
    it(`${algorithm}: another key, a wrong sequence number or a flipped bit is bad_record_mac`, () => {
      const { key, iv } = keys(algorithm, 29);
      const record = nodeSealRecord(algorithm, key, iv, 0, 23, bytesFromSeed(1, 100));
      expect(alertOf(() => readOne(algorithm, record, 31))).toBe("bad_record_mac");
      expect(alertOf(() => readOne(algorithm, nodeSealRecord(algorithm, key, iv, 1, 23, bytesFromSeed(1, 100))))).toBe("bad_record_mac");
      for (const position of [2, 4, 5, 60, record.length - 1]) {
        const tampered = record.slice();
        tampered[position] ^= 0x10;
        expect(alertOf(() => readOne(algorithm, tampered))).toBe("bad_record_mac");
      }
    });
  }

  it("limits: a ciphertext over 2^14+256 bytes and an inner plaintext over 2^14+1 are record_overflow; all padding is unexpected_message", () => {
    const algorithm = "AES-128-GCM";
    const { key, iv } = keys(algorithm, 29);
    const header = Uint8Array.of(23, 3, 3, (MAX_PLAINTEXT + 257) >>> 8, (MAX_PLAINTEXT + 257) & 0xff);
    expect(alertOf(() => readOne(algorithm, header))).toBe("record_overflow");
    expect(alertOf(() => readOne(algorithm, nodeSealRecord(algorithm, key, iv, 0, 23, new Uint8Array(MAX_PLAINTEXT + 1))))).toBe("record_overflow");
    expect(readOne(algorithm, nodeSealRecord(algorithm, key, iv, 0, 23, new Uint8Array(MAX_PLAINTEXT))).contentLength).toBe(MAX_PLAINTEXT);
    // §5.4: "the full encoded TLSInnerPlaintext MUST NOT exceed 2^14 + 1 octets": padding counts.
    expect(readOne(algorithm, nodeSealRecord(algorithm, key, iv, 0, 23, new Uint8Array(MAX_PLAINTEXT - 200), 200)).contentLength).toBe(MAX_PLAINTEXT - 200);
    expect(alertOf(() => readOne(algorithm, nodeSealRecord(algorithm, key, iv, 0, 23, new Uint8Array(MAX_PLAINTEXT), 1)))).toBe("record_overflow");
    const allPadding = nodeSealRecord(algorithm, key, iv, 0, 0, new Uint8Array(0), 10);
    expect(alertOf(() => readOne(algorithm, allPadding))).toBe("unexpected_message");
  });
});

describe("ByteQueue", () => {
  it("behaves as a FIFO of bytes (model: a plain array) for any pushes, adopted arrays and takes", () => {
    const op = fc.oneof(
      fc.record({ push: fc.integer({ min: 0, max: 5000 }), offset: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ adopt: fc.integer({ min: 0, max: 5000 }) }),
      fc.record({ take: fc.integer({ min: 0, max: 6000 }), offset: fc.integer({ min: 0, max: 7 }) }),
      fc.constant({ all: true }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const queue = new ByteQueue(16);
        /** The one array the queue holds, when it holds exactly one adopted array and nothing else. */
        let onlyAdopted: Uint8Array | null = null;
        let model: number[] = [];
        let seed = 1;
        for (const o of ops) {
          if ("push" in o) {
            const src = bytesFromSeed(seed++, o.push + o.offset + 3);
            queue.push(src, o.offset, o.push);
            if (o.push > 0) onlyAdopted = null;
            model.push(...src.subarray(o.offset, o.offset + o.push));
          } else if ("adopt" in o) {
            const src = bytesFromSeed(seed++, o.adopt);
            queue.adopt(src);
            if (src.length > 0) onlyAdopted = model.length === 0 ? src : null;
            model.push(...src);
          } else if ("take" in o) {
            const dest = new Uint8Array(o.take + o.offset);
            const n = queue.takeInto(dest, o.offset);
            if (n > 0) onlyAdopted = null;
            expect(n).toBe(Math.min(o.take, model.length));
            expect([...dest.subarray(o.offset, o.offset + n)]).toEqual(model.slice(0, n));
            model = model.slice(n);
          } else {
            const all = queue.takeAll();
            expect(all === null ? [] : [...all]).toEqual(model);
            model = [];
            // An array adopted into an empty queue, with nothing after it, comes out as it is (no copy).
            if (onlyAdopted !== null) expect(all).toBe(onlyAdopted);
            onlyAdopted = null;
          }
          expect(queue.length).toBe(model.length);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe("RangeCopier", () => {
  it("copies exactly what a plain slice would, for repeated, alternating and changing ranges of changing data", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ which: fc.integer({ min: 0, max: 1 }), offset: fc.integer({ min: 0, max: 600 }), length: fc.integer({ min: 0, max: 1400 }), dstOffset: fc.integer({ min: 0, max: 50 }), repeat: fc.integer({ min: 1, max: 3 }) }), { maxLength: 25 }),
        (ops) => {
          const copier = new RangeCopier();
          const sources = [bytesFromSeed(1, 2000), bytesFromSeed(2, 2000)];
          let seed = 10;
          for (const o of ops) {
            for (let r = 0; r < o.repeat; r++) {
              const src = sources[o.which];
              src.set(bytesFromSeed(seed++, 16), o.offset); // the data changes between copies of the same range
              const dst = new Uint8Array(o.dstOffset + o.length + 5).fill(0xcc);
              copier.copy(src, o.offset, dst, o.dstOffset, o.length);
              expect(toHex(dst.subarray(o.dstOffset, o.dstOffset + o.length))).toBe(toHex(src.slice(o.offset, o.offset + o.length)));
              expect(dst.subarray(0, o.dstOffset).every((b) => b === 0xcc)).toBe(true);
              expect(dst.subarray(o.dstOffset + o.length).every((b) => b === 0xcc)).toBe(true);
            }
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it("copies correctly within one buffer, overlapping either way", () => {
    const copier = new RangeCopier();
    for (const [from, to] of [[0, 100], [100, 0], [10, 20], [20, 10]]) {
      const buf = bytesFromSeed(from * 31 + to, 2000);
      const expected = buf.slice(from, from + 1000);
      copier.copy(buf, from, buf, to, 1000);
      expect(toHex(buf.subarray(to, to + 1000))).toBe(toHex(expected));
    }
  });
});
