/**
 * A typed loader for the RFC 8448 traces in vectors/rfc8448/*.json (see the README there), plus
 * small decoders for the messages they hold, so tests can replay the RFC byte for byte.
 */
import { readFileSync } from "node:fs";
import type { Rfc8448Section, Rfc8448Step } from "../../vectors/rfc8448/extract.mjs";
import { Reader, Writer, concatBytes, fromHex, toHex } from "../../src/bytes/index.js";
import { pureProvider } from "../../src/crypto/pure.js";
import { type Extension, readExtensions, writeExtensions } from "../../src/handshake/codec/extensions.js";
import { splitHandshakes } from "./framing.js";

export type { Rfc8448Section, Rfc8448Step };
export type SectionNumber = 3 | 4 | 5 | 6 | 7;
export type Actor = "client" | "server";

const FILES: Record<SectionNumber, string> = {
  3: "section3-simple-1rtt.json",
  4: "section4-resumed-0rtt.json",
  5: "section5-hello-retry-request.json",
  6: "section6-client-authentication.json",
  7: "section7-compatibility-mode.json",
};

const cache = new Map<SectionNumber, Rfc8448Section>();

/** The parsed trace of RFC 8448 section `n`. */
export function loadSection(n: SectionNumber): Rfc8448Section {
  let section = cache.get(n);
  if (!section) {
    const url = new URL(`../../vectors/rfc8448/${FILES[n]}`, import.meta.url);
    section = JSON.parse(readFileSync(url, "utf8")) as Rfc8448Section;
    if (section.section !== String(n)) throw new Error(`${FILES[n]} holds section ${section.section}, not ${n}`);
    cache.set(n, section);
  }
  return section;
}

/**
 * The `occurrence`-th step (0-based, in document order) whose actor is `actor` and whose action
 * starts with `actionPrefix`. Throws, naming the section and what was looked for, when there is none.
 */
export function step(section: Rfc8448Section, actor: Actor, actionPrefix: string, occurrence = 0): Rfc8448Step {
  const matches = section.steps.filter((s) => s.actor === actor && s.action.startsWith(actionPrefix));
  const found = matches[occurrence];
  if (!found) {
    throw new Error(
      `RFC 8448 section ${section.section}: no step #${occurrence} for {${actor}} "${actionPrefix}…" ` +
        `(${matches.length} match${matches.length === 1 ? "" : "es"})`,
    );
  }
  return found;
}

/** The octets of the item labelled `label` (exactly) in `s`. Throws, naming the step, when missing. */
export function item(s: Rfc8448Step, label: string): Uint8Array {
  const found = s.items.find((i) => i.label === label);
  if (!found) {
    throw new Error(
      `RFC 8448 line ${s.line} {${s.actor}} "${s.action}": no item "${label}" ` +
        `(has: ${s.items.map((i) => `"${i.label}"`).join(", ") || "none"})`,
    );
  }
  return fromHex(found.hex);
}

/** Shorthand: `item(step(section, actor, actionPrefix, occurrence), label)`. */
export function itemOf(
  section: Rfc8448Section,
  actor: Actor,
  actionPrefix: string,
  label: string,
  occurrence = 0,
): Uint8Array {
  return item(step(section, actor, actionPrefix, occurrence), label);
}

/** The message of a "construct a(n) <name> handshake message" step, with its 4-byte header. */
export function construct(section: Rfc8448Section, actor: Actor, name: string, occurrence = 0): Uint8Array {
  return itemOf(section, actor, `construct a${/^[AEIOU]/.test(name) ? "n" : ""} ${name} handshake message`, name, occurrence);
}

/** Key and IV of a "derive … traffic keys …" step that carries octets (not a "(same as …)" note). */
export function trafficKeys(section: Rfc8448Section, actor: Actor, action: string): TrafficKeyPair {
  const found = section.steps.find((x) => x.actor === actor && x.action === action && x.items.length > 0);
  if (!found) throw new Error(`RFC 8448 section ${section.section}: no {${actor}} "${action}" step with octets`);
  return { key: item(found, "key expanded"), iv: item(found, "iv expanded") };
}

// ---------------------------------------------------------------------------------------------
// Records (all five traces use TLS_AES_128_GCM_SHA256)
// ---------------------------------------------------------------------------------------------

export interface TrafficKeyPair {
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
}

/** Splits wire bytes into records, hex each, so a mismatch shows which record differs. */
export function records(bytes: Uint8Array): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < 5) {
      out.push(`truncated record header: ${toHex(bytes.subarray(at))}`);
      break;
    }
    const end = at + 5 + ((bytes[at + 3]! << 8) | bytes[at + 4]!);
    out.push(toHex(bytes.subarray(at, Math.min(end, bytes.length))) + (end > bytes.length ? " (truncated)" : ""));
    at = end;
  }
  return out;
}

/** RFC 8446 §5.3: the per-record nonce is the IV XORed with the 64-bit sequence number. */
function recordNonce(iv: Uint8Array, seq: number): Uint8Array {
  const nonce = iv.slice();
  for (let i = 0, n = seq; i < 8; i++, n = Math.floor(n / 256)) nonce[11 - i]! ^= n & 0xff;
  return nonce;
}

/** The TLSCiphertext of `content` with inner type `type` at sequence number `seq`, no padding (§5.2). */
export function sealRecord(keys: TrafficKeyPair, seq: number, type: number, content: Uint8Array): Uint8Array {
  const length = content.length + 1 + 16;
  const header = new Uint8Array([0x17, 0x03, 0x03, length >> 8, length & 0xff]);
  const body = new Uint8Array(length);
  body.set(content);
  body[content.length] = type;
  pureProvider.aead("AES-128-GCM", keys.key).seal(recordNonce(keys.iv, seq), header, body, 0, content.length + 1);
  return concatBytes(header, body);
}

/**
 * Opens the protected records among `recs` (hex, as `records` gives them) with sequence numbers from
 * 0 and returns, as hex, the handshake bytes they carry: handshake messages can then be compared
 * whatever their framing into records. Plaintext records (ServerHello, change_cipher_spec) are skipped.
 */
export function handshakeBytesIn(recs: readonly string[], keys: TrafficKeyPair): string {
  const aead = pureProvider.aead("AES-128-GCM", keys.key);
  let seq = 0;
  let out = "";
  for (const rec of recs) {
    if (!rec.startsWith("17")) continue;
    const bytes = fromHex(rec);
    const body = bytes.slice(5);
    if (!aead.open(recordNonce(keys.iv, seq), bytes.subarray(0, 5), body, 0, body.length)) {
      throw new Error(`protected record #${seq} does not open under the RFC's key: ${rec.slice(0, 32)}…`);
    }
    let end = body.length - 16;
    while (end > 0 && body[end - 1] === 0) end--; // §5.4 padding
    if (body[end - 1] !== 22) throw new Error(`protected record #${seq} carries content type ${body[end - 1]}, not handshake`);
    out += toHex(body.subarray(0, end - 1));
    seq++;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Decoding what the traces hold
// ---------------------------------------------------------------------------------------------

/** One handshake message, with its 4-byte header, as it enters the transcript. */
export interface RawHandshake {
  readonly type: number;
  readonly body: Uint8Array;
  readonly raw: Uint8Array;
}

/** A run of handshake messages (e.g. a record payload), each decoded; a truncated message is an error. */
export function handshakeMessages(bytes: Uint8Array): RawHandshake[] {
  const { messages, rest } = splitHandshakes(bytes);
  if (rest.length > 0) throw new Error(`truncated handshake message at offset ${bytes.length - rest.length}`);
  return messages.map((raw) => ({ type: raw[0], body: raw.subarray(4), raw }));
}

/** Where the extensions block of a hello-like message body starts and what precedes it. */
function extensionsOffset(type: number, body: Uint8Array): number {
  const r = new Reader(body, "message");
  switch (type) {
    case 1: // ClientHello: version, random, session id, cipher suites, compression methods
      r.u16();
      r.bytes(32);
      r.vector8();
      r.vector16();
      r.vector8();
      return r.offset;
    case 2: // ServerHello: version, random, session id echo, cipher suite, compression method
      r.u16();
      r.bytes(32);
      r.vector8();
      r.u16();
      r.u8();
      return r.offset;
    case 8: // EncryptedExtensions
      return 0;
    case 13: // CertificateRequest: certificate_request_context
      r.vector8();
      return r.offset;
    default:
      throw new Error(`handshake type ${type} has no top-level extensions block`);
  }
}

/** The extension list of a ClientHello, ServerHello, EncryptedExtensions or CertificateRequest (with header). */
export function messageExtensions(message: Uint8Array): Extension[] {
  const [m] = handshakeMessages(message);
  if (!m) throw new Error("empty message");
  const r = new Reader(m.body, "message", extensionsOffset(m.type, m.body));
  const list = readExtensions(r, "message");
  r.expectEnd();
  return list;
}

/** The same message (with header) with its extension list replaced. */
export function withExtensions(message: Uint8Array, extensions: readonly Extension[]): Uint8Array {
  const [m] = handshakeMessages(message);
  if (!m) throw new Error("empty message");
  const w = new Writer(m.body.length + 64);
  w.bytes(m.body.subarray(0, extensionsOffset(m.type, m.body)));
  writeExtensions(w, extensions);
  const body = w.finish();
  const out = new Uint8Array(4 + body.length);
  out.set([m.type, body.length >>> 16, (body.length >>> 8) & 0xff, body.length & 0xff]);
  out.set(body, 4);
  return out;
}

/** The DER certificates of a Certificate message (with header). */
export function certificatesOf(message: Uint8Array): Uint8Array[] {
  const [m] = handshakeMessages(message);
  if (!m || m.type !== 11) throw new Error("not a Certificate message");
  const r = new Reader(m.body, "Certificate");
  r.vector8();
  const list = r.sub24("certificate_list");
  const out: Uint8Array[] = [];
  while (!list.atEnd) {
    out.push(list.vector24());
    readExtensions(list, "CertificateEntry");
  }
  return out;
}

/** The signature scheme code and signature of a CertificateVerify message (with header). */
export function certificateVerifyOf(message: Uint8Array): { scheme: number; signature: Uint8Array } {
  const [m] = handshakeMessages(message);
  if (!m || m.type !== 15) throw new Error("not a CertificateVerify message");
  const r = new Reader(m.body, "CertificateVerify");
  const scheme = r.u16();
  const signature = r.vector16();
  r.expectEnd();
  return { scheme, signature };
}
