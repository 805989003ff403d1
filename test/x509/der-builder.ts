/**
 * A tiny DER writer for building deliberately odd certificates in tests, signed with node:crypto
 * so everything except the property under test is valid.
 */
import { createPrivateKey, createPublicKey, sign, type KeyObject } from "node:crypto";
import { TLSError } from "../../src/bytes/index.js";
import { pureProvider } from "../../src/crypto/pure.js";
import { parseCertificate, verifyCertificateChain } from "../../src/x509/index.js";
import { readFixture } from "./fixtures.js";

export type Bytes = Uint8Array;

function lengthOctets(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return [0x80 | out.length, ...out];
}

export function tlv(tag: number, ...parts: Bytes[]): Bytes {
  const body = Buffer.concat(parts);
  return new Uint8Array([tag, ...lengthOctets(body.length), ...body]);
}

export const seq = (...parts: Bytes[]): Bytes => tlv(0x30, ...parts);
export const set = (...parts: Bytes[]): Bytes => tlv(0x31, ...parts);
export const explicit = (n: number, ...parts: Bytes[]): Bytes => tlv(0xa0 | n, ...parts);
export const implicitPrim = (n: number, content: Bytes): Bytes => tlv(0x80 | n, content);
export const octets = (content: Bytes): Bytes => tlv(0x04, content);
export const bits = (content: Bytes, unused = 0): Bytes => tlv(0x03, new Uint8Array([unused]), content);
export const bool = (v: boolean): Bytes => tlv(0x01, new Uint8Array([v ? 0xff : 0]));
export const nul = (): Bytes => new Uint8Array([0x05, 0x00]);
export const utf8 = (s: string): Bytes => tlv(0x0c, Buffer.from(s, "utf8"));
export const ia5 = (s: string): Bytes => tlv(0x16, Buffer.from(s, "latin1"));
export const utcTime = (s: string): Bytes => tlv(0x17, Buffer.from(s, "ascii"));
export const genTime = (s: string): Bytes => tlv(0x18, Buffer.from(s, "ascii"));
export const ascii = (s: string): Bytes => new Uint8Array(Buffer.from(s, "latin1"));

/** INTEGER from a bigint, minimal two's complement. */
export function int(v: bigint | number): Bytes {
  let n = BigInt(v);
  const out: number[] = [];
  for (;;) {
    out.unshift(Number(n & 0xffn));
    n >>= 8n;
    if ((n === 0n && (out[0] & 0x80) === 0) || (n === -1n && (out[0] & 0x80) !== 0)) break;
  }
  return tlv(0x02, new Uint8Array(out));
}

export function oid(dotted: string): Bytes {
  const arcs = dotted.split(".").map(BigInt);
  const sub = [arcs[0] * 40n + arcs[1], ...arcs.slice(2)];
  const out: number[] = [];
  for (const a of sub) {
    const chunk: number[] = [Number(a & 0x7fn)];
    for (let v = a >> 7n; v > 0n; v >>= 7n) chunk.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, new Uint8Array(out));
}

export const name = (cn: string): Bytes => seq(set(seq(oid("2.5.4.3"), utf8(cn))));
export const ecdsaSha256 = (): Bytes => seq(oid("1.2.840.10045.4.3.2"));
export const ecdsaSha384 = (): Bytes => seq(oid("1.2.840.10045.4.3.3"));

export function extension(id: string, value: Bytes, critical = false): Bytes {
  return critical ? seq(oid(id), bool(true), octets(value)) : seq(oid(id), octets(value));
}

/** The P-256 key of certs/server.pem, used to sign synthetic certificates. */
export function signingKey(): KeyObject {
  return createPrivateKey(readFixture("keys/server.pem"));
}

/** The SPKI DER of the signing key. */
export function signingSpki(): Bytes {
  return new Uint8Array(createPublicKey(signingKey()).export({ format: "der", type: "spki" }));
}

export interface TbsOptions {
  version?: Bytes | null;
  serial?: Bytes;
  signature?: Bytes;
  issuer?: Bytes;
  validity?: Bytes;
  subject?: Bytes;
  spki?: Bytes;
  extensions?: Bytes[] | null;
  extra?: Bytes[];
}

/** A self-issued TBSCertificate; each field can be replaced. */
export function tbs(o: TbsOptions = {}): Bytes {
  const parts: Bytes[] = [];
  const version = o.version === undefined ? explicit(0, int(2)) : o.version;
  if (version !== null) parts.push(version);
  parts.push(
    o.serial ?? int(0x1234),
    o.signature ?? ecdsaSha256(),
    o.issuer ?? name("synthetic"),
    o.validity ?? seq(utcTime("250101000000Z"), genTime("21250101000000Z")),
    o.subject ?? name("synthetic"),
    o.spki ?? signingSpki(),
  );
  parts.push(...(o.extra ?? []));
  const exts = o.extensions === undefined ? [extension("2.5.29.19", seq(bool(true)), true)] : o.extensions;
  if (exts !== null) parts.push(explicit(3, seq(...exts)));
  return seq(...parts);
}

/** Signs `tbsDer` (ECDSA-SHA256 under the fixture key by default) and wraps it as a Certificate. */
export function certificate(tbsDer: Bytes, outerAlgorithm: Bytes = ecdsaSha256(), key: KeyObject = signingKey()): Bytes {
  const signature = new Uint8Array(sign("sha256", tbsDer, key));
  return seq(tbsDer, outerAlgorithm, bits(signature));
}

/**
 * Path validation's answer to a leaf holding `spki`, issued by a synthetic CA anchor (both signed
 * with the fixture key), for a clientAuth chain checked in 2030: its TLSError, or null if accepted.
 */
export function leafKeyRefusal(spki: Bytes): TLSError | null {
  const ski = extension("2.5.29.14", octets(Uint8Array.of(1)));
  const aki = extension("2.5.29.35", seq(implicitPrim(0, Uint8Array.of(1))));
  const anchor = certificate(tbs({ extensions: [extension("2.5.29.19", seq(bool(true)), true), ski] }));
  const leaf = certificate(tbs({ subject: name("leaf"), issuer: name("synthetic"), spki, extensions: [aki] }));
  try {
    verifyCertificateChain({
      chain: [leaf],
      trustAnchors: [parseCertificate(anchor)],
      now: new Date(Date.UTC(2030, 0, 1)),
      provider: pureProvider,
      purpose: "clientAuth",
    });
    return null;
  } catch (e) {
    if (e instanceof TLSError) return e;
    throw e;
  }
}
