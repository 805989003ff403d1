/**
 * The most expensive Certificate flight an unauthenticated peer can send within mutls's limits
 * (issue 11 §1), built with test/x509/der-builder.ts and signed with node:crypto.
 *
 * Shape: a leaf and `candidates` CA certificates that all carry the same subject name X, all hold
 * the same RSA key (the largest allowed, modulus RSA_MAX_MODULUS_BITS and exponent
 * RSA_MAX_PUBLIC_EXPONENT, or the smallest a peer may use) and all verify under it. Every one of them is a valid issuer of the leaf and of each other, so
 * path building (RFC 5280 §6, every candidate tried) meets a full mesh of signatures that each cost
 * a maximal RSA verification, and finds no anchor at the end: it runs until a budget stops it or
 * the search space is exhausted. The last CA names the victim's trust anchor as its issuer, so a
 * client offers the flight to a server whose CertificateRequest lists certificate_authorities.
 * With `largeNames`, the names are as large as the handshake message limit leaves room for: RDNs
 * whose attribute types are long OIDs (arcs of the largest allowed bit length) with long
 * mixed-case values, which is what a parser and a name comparison (RFC 4518 preparation) pay for.
 * Every flight has fresh serial numbers, so no parsed-certificate cache can answer it.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { RSA_MAX_MODULUS_BITS, RSA_MAX_PUBLIC_EXPONENT } from "../../src/crypto/rsa.js";
import { MAX_OID_ARC_BITS } from "../../src/x509/der-values.js";
import { bits, bool, explicit, extension, int, nul, octets, oid, seq, set, tlv, utf8, type Bytes } from "../../test/x509/der-builder.js";

/**
 * The largest RSA key a peer may use for verification and its largest public exponent: the
 * limits src/crypto/rsa.ts enforces (8192 bits; 2^32 - 1, odd, whose 32 one-bits are the most
 * multiplications any exponentiation method pays).
 */
export const HOSTILE_RSA_BITS = RSA_MAX_MODULUS_BITS;
export const HOSTILE_RSA_EXPONENT = RSA_MAX_PUBLIC_EXPONENT;
/** The longest OID arc the decoder accepts (src/x509/der-values.ts: no real arc exceeds 128 bits). */
export const HOSTILE_OID_ARC_BITS = MAX_OID_ARC_BITS;

/** The smallest RSA modulus accepted from peers by default (limits' minRsaModulusBits). */
export const SMALL_RSA_BITS = 2048;

const OUT = new URL("../.out/hostile/", import.meta.url);

export interface FlightShape {
  /** CA certificates that can each issue the leaf (chain length = candidates + 1). */
  readonly candidates: number;
  /**
   * true: names as large as the message limit allows (parsing and name comparison at their
   * worst); false: short names, so a budget that charges parsed bytes has the most left for
   * signatures. Which costs more depends on how the budget weighs the two, so both are tried.
   */
  readonly largeNames: boolean;
  /**
   * "largest": the CAs hold the largest RSA key and exponent allowed, so each signature check
   * costs the most. "smallest": the smallest RSA key allowed for peers (2048 bits, e = 65537),
   * so a budget that weighs keys by size lets the search try the most partial paths.
   */
  readonly caKey: "largest" | "smallest";
  /** Largest Certificate message body, in bytes (limits.maxHandshakeMessageSize). */
  readonly maxMessageBytes: number;
}

export interface HostileKeys {
  /** The one RSA key every CA certificate holds and signs with: the largest allowed. */
  readonly rsa: KeyObject;
  readonly rsaSpki: Bytes;
  /** The smallest RSA key a peer may use (limits' default minRsaModulusBits, 2048), e = 65537. */
  readonly smallRsa: KeyObject;
  readonly smallRsaSpki: Bytes;
  /** The leaf's key (P-256): its CertificateVerify is never reached, so its kind does not matter. */
  readonly leaf: KeyObject;
  readonly leafSpki: Bytes;
  readonly leafPem: string;
}

/** Generates the RSA key once (about 20 s at 8192 bits) and keeps it in bench/.out/hostile/. */
export function hostileKeys(log: (line: string) => void = () => {}): HostileKeys {
  mkdirSync(OUT, { recursive: true });
  const file = new URL(`rsa-${HOSTILE_RSA_BITS}-e${HOSTILE_RSA_EXPONENT}.pem`, OUT);
  if (!existsSync(file)) {
    log(`generating a ${HOSTILE_RSA_BITS}-bit RSA key with e = ${HOSTILE_RSA_EXPONENT} (once; cached in bench/.out/hostile/)`);
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: HOSTILE_RSA_BITS, publicExponent: HOSTILE_RSA_EXPONENT });
    const tmp = new URL(`${file.pathname.split("/").pop()}.tmp`, OUT);
    writeFileSync(tmp, privateKey.export({ format: "pem", type: "pkcs8" }));
    renameSync(tmp, file);
  }
  const rsa = createPrivateKey(readFileSync(file));
  const details = rsa.asymmetricKeyDetails;
  if (details?.modulusLength !== HOSTILE_RSA_BITS || details.publicExponent !== BigInt(HOSTILE_RSA_EXPONENT)) {
    throw new Error(`${file.pathname} is not a ${HOSTILE_RSA_BITS}-bit key with e = ${HOSTILE_RSA_EXPONENT}; delete it to regenerate`);
  }
  const { privateKey: leaf } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const { privateKey: smallRsa } = generateKeyPairSync("rsa", { modulusLength: SMALL_RSA_BITS, publicExponent: 65537 });
  return {
    rsa,
    rsaSpki: spkiOf(rsa),
    smallRsa,
    smallRsaSpki: spkiOf(smallRsa),
    leaf,
    leafSpki: spkiOf(leaf),
    leafPem: leaf.export({ format: "pem", type: "pkcs8" }).toString(),
  };
}

const spkiOf = (key: KeyObject): Bytes => new Uint8Array(createPublicKey(key).export({ format: "der", type: "spki" }));

/** An OID under 1.3.6.1.4.1 (private enterprise) with `arcs` arcs of the largest allowed length. */
function longOid(arcs: number, variant: number): Bytes {
  const big = (1n << BigInt(HOSTILE_OID_ARC_BITS)) - 1n - BigInt(variant);
  return oid(["1.3.6.1.4.1", ...Array.from({ length: arcs }, () => big.toString())].join("."));
}

/** "aBc dE   fGh ..." of `length` characters: case and runs of spaces are what RFC 4518 prepares. */
function mixedCaseValue(length: number, seed: number): string {
  let s = "";
  for (let i = 0; s.length < length; i++) s += (i + seed) % 3 === 0 ? "  Victim  " : i % 2 === 0 ? "CoRp" : "eXaMpLe";
  return s.slice(0, length).trimEnd().padEnd(length, "x");
}

/** DER length of a TLV whose contents are `n` bytes (X.690 §8.1.3). */
const tlvLength = (n: number): number => 1 + (n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 4) + n;

/**
 * A Name of at most `bytes` bytes (RFC 5280 §4.1.2.4): an ordinary CN and O first, then RDNs with
 * long-OID attribute types and long values until the size is reached.
 */
export function largeName(bytes: number): Bytes {
  const rdn = (type: Bytes, value: string): Bytes => set(seq(type, utf8(value)));
  const rdns: Bytes[] = [rdn(oid("2.5.4.3"), "Hostile Flight CA"), rdn(oid("2.5.4.10"), mixedCaseValue(64, 1))];
  if (bytes <= 0) return seq(...rdns);
  let content = rdns.reduce((n, r) => n + r.length, 0);
  // An RDN is SET { SEQUENCE { OID, UTF8String } }: the value gets what the headers leave.
  const longestValue = (type: Bytes): number => {
    let valueLength = 200;
    while (valueLength > 0 && tlvLength(content + tlvLength(tlvLength(type.length + tlvLength(valueLength)))) > bytes) valueLength--;
    return valueLength;
  };
  for (let i = 0; ; i++) {
    const type = longOid(8, i);
    const valueLength = longestValue(type);
    if (valueLength < 16) break;
    const next = rdn(type, mixedCaseValue(valueLength, i));
    rdns.push(next);
    content += next.length;
  }
  // The last few bytes: an organizationalUnitName, whose OID is short.
  const ou = oid("2.5.4.11");
  const last = longestValue(ou);
  if (last > 0) rdns.push(rdn(ou, mixedCaseValue(last, 0)));
  return seq(...rdns);
}

const SHA256_WITH_RSA = (): Bytes => seq(oid("1.2.840.113549.1.1.11"), nul());

function validity(): Bytes {
  const day = 86_400_000;
  const utc = (d: Date): Bytes => tlv(0x17, new Uint8Array(Buffer.from(d.toISOString().replace(/[-:T]/g, "").slice(2, 14) + "Z", "ascii")));
  const now = Date.now();
  return seq(utc(new Date(now - day)), utc(new Date(now + 30 * day)));
}

/** 16 random bytes, positive, always encoded in 16 bytes, so a flight's size does not depend on its serials. */
function serialNumber(): Bytes {
  const serial = randomBytes(16);
  serial[0] = 0x40 | (serial[0] & 0x3f);
  return tlv(0x02, new Uint8Array(serial));
}

function tbsCertificate(issuer: Bytes, subject: Bytes, spki: Bytes, extensions: Bytes[]): Bytes {
  return seq(explicit(0, int(2)), serialNumber(), SHA256_WITH_RSA(), issuer, validity(), subject, spki, explicit(3, seq(...extensions)));
}

function signedCertificate(tbs: Bytes, key: KeyObject, signed: boolean): Bytes {
  // The signature has the modulus's length either way, so sizes computed unsigned hold.
  const signature = signed ? new Uint8Array(sign("sha256", tbs, key)) : new Uint8Array((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
  return seq(tbs, SHA256_WITH_RSA(), bits(signature));
}

/** RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey; any stable identifier would do. */
const keyId = (spki: Bytes): Bytes => new Uint8Array(createHash("sha1").update(spki).digest());
const subjectKeyId = (spki: Bytes): Bytes => extension("2.5.29.14", octets(keyId(spki)));
const authorityKeyId = (issuerSpki: Bytes): Bytes => extension("2.5.29.35", seq(tlv(0x80, keyId(issuerSpki))));

const caExtensions = (spki: Bytes): Bytes[] => [
  extension("2.5.29.19", seq(bool(true)), true), // basicConstraints cA, no pathLen
  extension("2.5.29.15", bits(new Uint8Array([0x06]), 1), true), // keyUsage keyCertSign | cRLSign
  subjectKeyId(spki),
  authorityKeyId(spki), // every CA is issued by the shared key: all are candidates for each other
];

const leafExtensions = (leafSpki: Bytes, issuerSpki: Bytes): Bytes[] => [
  subjectKeyId(leafSpki),
  authorityKeyId(issuerSpki),
  extension("2.5.29.15", bits(new Uint8Array([0x80]), 7), true), // keyUsage digitalSignature
  extension("2.5.29.37", seq(oid("1.3.6.1.5.5.7.3.1"), oid("1.3.6.1.5.5.7.3.2"))), // serverAuth, clientAuth
  extension("2.5.29.17", seq(tlv(0x82, new Uint8Array(Buffer.from("localhost", "ascii"))))), // dNSName
];

/** Body length of a TLS 1.3 Certificate message carrying `chain` (RFC 8446 §4.4.2, no entry extensions). */
export function certificateMessageBytes(chain: readonly Bytes[]): number {
  return 1 + 3 + chain.reduce((n, der) => n + 3 + der.length + 2, 0);
}

function buildChain(keys: HostileKeys, shape: FlightShape, anchorName: Bytes, nameBytes: number, signed: boolean): Bytes[] {
  const x = largeName(nameBytes);
  const [key, spki] = shape.caKey === "largest" ? [keys.rsa, keys.rsaSpki] : [keys.smallRsa, keys.smallRsaSpki];
  const leafSubject = seq(set(seq(oid("2.5.4.3"), utf8("hostile leaf"))));
  const chain = [signedCertificate(tbsCertificate(x, leafSubject, keys.leafSpki, leafExtensions(keys.leafSpki, spki)), key, signed)];
  for (let i = 0; i < shape.candidates; i++) {
    const issuer = i === shape.candidates - 1 ? anchorName : x;
    chain.push(signedCertificate(tbsCertificate(issuer, x, spki, caExtensions(spki)), key, signed));
  }
  return chain;
}

export interface HostileFlight {
  readonly chain: readonly Bytes[];
  /** Body length of the Certificate message that carries it. */
  readonly messageBytes: number;
  readonly nameBytes: number;
}

/** A SubjectPublicKeyInfo for an RSA public key (RFC 8017 A.1.1): n need not belong to any key pair. */
const rsaSpki = (n: bigint, e: bigint): Bytes => seq(seq(oid("1.2.840.113549.1.1.1"), nul()), bits(seq(int(n), int(e))));

/** An odd number of exactly HOSTILE_RSA_BITS bits: a modulus nobody holds a private key for. */
function strangerModulus(): bigint {
  const bytes = randomBytes(HOSTILE_RSA_BITS / 8);
  bytes[0] |= 0x80;
  bytes[bytes.length - 1] |= 1;
  return BigInt("0x" + bytes.toString("hex"));
}

/**
 * The flight against an asynchronous provider's chain search (src/x509/async-verify.ts), which
 * answers every signature optimistically, verifies what the search asked together and, when one
 * fails, searches again with what it learnt. The shape of the worst flight (short names,
 * `candidates` CAs that issue each other and the leaf), but only the first CA holds the flight's
 * RSA key; the others hold moduli of the same size and exponent that nobody can sign for, and
 * every certificate is signed with the real key. So every link is valid to the optimistic search,
 * most are not in truth, and each search after the first asks questions the earlier did not: RSA
 * verifications of the largest size. (When the second search verified synchronously, on
 * WebCrypto's pure fallback, this flight cost 14-15 WebCrypto handshakes.) All CAs share one key
 * identifier, as the name matching of path building wants.
 */
export function buildRedoFlight(keys: HostileKeys, candidates: number, anchorName: Bytes): HostileFlight {
  const x = largeName(0);
  const leafSubject = seq(set(seq(oid("2.5.4.3"), utf8("hostile leaf"))));
  const chain = [signedCertificate(tbsCertificate(x, leafSubject, keys.leafSpki, leafExtensions(keys.leafSpki, keys.rsaSpki)), keys.rsa, true)];
  for (let i = 0; i < candidates; i++) {
    const spki = i === 0 ? keys.rsaSpki : rsaSpki(strangerModulus(), BigInt(HOSTILE_RSA_EXPONENT));
    const issuer = i === candidates - 1 ? anchorName : x;
    chain.push(signedCertificate(tbsCertificate(issuer, x, spki, caExtensions(keys.rsaSpki)), keys.rsa, true));
  }
  return { chain, messageBytes: certificateMessageBytes(chain), nameBytes: 0 };
}

/** The name size that fills the message limit for this shape (names take what the rest leaves). */
export function fittingNameBytes(keys: HostileKeys, shape: FlightShape, anchorName: Bytes): number {
  if (!shape.largeNames) return 0;
  // The leaf's issuer and each CA's subject and issuer (but the last CA's issuer) are the name:
  // 2 × candidates copies. Start from the linear estimate, then step down until the flight fits.
  const copies = 2 * shape.candidates;
  const small = 256;
  const base = certificateMessageBytes(buildChain(keys, shape, anchorName, small, false)) - copies * largeName(small).length;
  let nameBytes = Math.floor((shape.maxMessageBytes - base) / copies);
  while (nameBytes > small && certificateMessageBytes(buildChain(keys, shape, anchorName, nameBytes, false)) > shape.maxMessageBytes) nameBytes -= 2;
  return nameBytes;
}

/** A fresh flight (new serials, new signatures) of the given shape and name size. */
export function buildHostileFlight(keys: HostileKeys, shape: FlightShape, anchorName: Bytes, nameBytes: number): HostileFlight {
  const chain = buildChain(keys, shape, anchorName, nameBytes, true);
  const messageBytes = certificateMessageBytes(chain);
  if (messageBytes > shape.maxMessageBytes) throw new Error(`hostile flight of ${messageBytes} bytes exceeds ${shape.maxMessageBytes}`);
  return { chain, messageBytes, nameBytes };
}
