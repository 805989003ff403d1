/**
 * Byte and framing helpers every test shares: concatenation, and splitting a byte stream into
 * records (RFC 8446 §5.1) and handshake content into messages (§4). Written here from the RFC's
 * framing rules, never with the engine's own decoders.
 */

/** The parts one after another, in a new array (never a view of a part). */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A plaintext record (§5.1). `length` overrides the header's length field (for framing attacks). */
export function plaintextRecord(type: number, content: Uint8Array, version = 0x0303, length = content.length): Uint8Array {
  return concat([new Uint8Array([type, version >>> 8, version & 0xff, length >>> 8, length & 0xff]), content]);
}

/** Splits a byte stream into complete records (header included); a trailing partial record is returned apart. */
export function splitRecords(bytes: Uint8Array): { records: Uint8Array[]; rest: Uint8Array } {
  const records: Uint8Array[] = [];
  let at = 0;
  while (bytes.length - at >= 5) {
    const length = (bytes[at + 3] << 8) | bytes[at + 4];
    if (bytes.length - at < 5 + length) break;
    records.push(bytes.subarray(at, at + 5 + length));
    at += 5 + length;
  }
  return { records, rest: bytes.subarray(at) };
}

/** §4 Handshake framing. */
export function handshakeMessage(type: number, body: Uint8Array): Uint8Array {
  return concat([new Uint8Array([type, body.length >>> 16, (body.length >>> 8) & 0xff, body.length & 0xff]), body]);
}

/** Splits handshake content into complete messages (header included); the remainder is returned apart. */
export function splitHandshakes(content: Uint8Array): { messages: Uint8Array[]; rest: Uint8Array } {
  const messages: Uint8Array[] = [];
  let at = 0;
  while (content.length - at >= 4) {
    const length = (content[at + 1] << 16) | (content[at + 2] << 8) | content[at + 3];
    if (content.length - at < 4 + length) break;
    messages.push(content.subarray(at, at + 4 + length));
    at += 4 + length;
  }
  return { messages, rest: content.subarray(at) };
}

/** The extensions of a ClientHello handshake message (header included), by type in wire order (§4.1.2 layout). */
export function clientHelloExtensions(ch: Uint8Array): Map<number, Uint8Array> {
  let at = 4 + 2 + 32; // header, legacy_version, random
  at += 1 + ch[at]; // legacy_session_id
  at += 2 + ((ch[at] << 8) | ch[at + 1]); // cipher_suites
  at += 1 + ch[at]; // legacy_compression_methods
  const end = at + 2 + ((ch[at] << 8) | ch[at + 1]);
  const found = new Map<number, Uint8Array>();
  for (at += 2; at < end;) {
    const length = (ch[at + 2] << 8) | ch[at + 3];
    found.set((ch[at] << 8) | ch[at + 1], ch.slice(at + 4, at + 4 + length));
    at += 4 + length;
  }
  if (at !== end || end !== ch.length) throw new Error(`ClientHello extensions end at ${at}, the list at ${end}, the message at ${ch.length}`);
  return found;
}
