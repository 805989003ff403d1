/**
 * The floor of a mutual handshake: exactly the public-key operations one mutls handshake performs
 * (both sides together), as plain noble calls with the options the pure provider uses, and nothing
 * else. With the default group (X25519) and a P-256 CA:
 *   2 X25519 key generations, 2 X25519 shared secrets,
 *   2 CertificateVerify signatures (leaf keys), 2 CertificateVerify verifications (leaf keys),
 *   2 certificate-signature verifications (the CA's ECDSA P-256 key over each leaf's TBS).
 * The precomputed variant verifies the two certificate signatures with wNAF tables for the CA's
 * point built once, as an engine that caches its trust anchors could.
 */
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { p256 } from "@noble/curves/nist.js";
import { bytesToNumberBE, randomBytes } from "@noble/curves/utils.js";
import { sha256 } from "@noble/hashes/sha2.js";
import type { PrivateKey, PublicKey } from "../../src/index.js";
import { parseCertificate, parsePrivateKey, pemCertificates } from "../../src/index.js";
import type { BenchCredentials, BenchKeyType } from "./credentials.js";

type P256Point = ReturnType<typeof p256.Point.fromBytes>;

interface Leaf {
  tbs: Uint8Array;
  caSignature: Uint8Array;
  publicKey: PublicKey;
  privateKey: PrivateKey;
}

export interface FloorInputs {
  readonly type: BenchKeyType;
  readonly caPoint: Uint8Array;
  /** The CA's point with precomputed multiplication tables. */
  readonly caPrecomputed: P256Point;
  readonly server: Leaf;
  readonly client: Leaf;
}

function leaf(certPem: string, keyPem: string): Leaf {
  const cert = parseCertificate(pemCertificates(certPem)[0]);
  if (cert.publicKey === null) throw new Error("leaf without a usable public key");
  return { tbs: cert.tbs, caSignature: cert.signature, publicKey: cert.publicKey, privateKey: parsePrivateKey(keyPem) };
}

export function floorInputs(type: BenchKeyType, creds: BenchCredentials): FloorInputs {
  const ca = parseCertificate(pemCertificates(creds.ca)[0]);
  if (ca.publicKey?.kind !== "ec" || ca.publicKey.curve !== "P-256") throw new Error("the bench expects a P-256 CA");
  const caPoint = ca.publicKey.point;
  return {
    type,
    caPoint,
    caPrecomputed: p256.Point.fromBytes(caPoint).precompute(8, false),
    server: leaf(creds.serverCert, creds.serverKey),
    client: leaf(creds.clientCert, creds.clientKey),
  };
}

const ECDSA_VERIFY = { prehash: false, lowS: false, format: "der" } as const;

function verifyCaSignature(inputs: FloorInputs, l: Leaf, precomputed: boolean): boolean {
  const digest = sha256(l.tbs);
  if (!precomputed) return p256.verify(l.caSignature, digest, inputs.caPoint, ECDSA_VERIFY);
  // SEC 1 §4.1.4 with u2·Q on the CA's precomputed tables: R = u1·G + u2·Q, valid iff R.x = r mod n.
  const Fn = p256.Point.Fn;
  const { r, s } = p256.Signature.fromBytes(l.caSignature, "der");
  const sInv = Fn.inv(s);
  const u1 = Fn.create(bytesToNumberBE(digest) * sInv);
  const u2 = Fn.create(r * sInv);
  const R = p256.Point.BASE.multiplyUnsafe(u1).add(inputs.caPrecomputed.multiplyUnsafe(u2));
  return !R.is0() && Fn.create(R.toAffine().x) === r;
}

function signCertificateVerify(key: PrivateKey, content: Uint8Array): Uint8Array {
  if (key.kind === "ec") return p256.sign(sha256(content), key.d, { prehash: false, format: "der", extraEntropy: randomBytes(32) });
  if (key.kind === "ed25519") return ed25519.sign(content, key.seed);
  throw new Error(`no floor for ${key.kind} keys`);
}

function verifyCertificateVerify(key: PublicKey, content: Uint8Array, signature: Uint8Array): boolean {
  if (key.kind === "ec") return p256.verify(signature, sha256(content), key.point, ECDSA_VERIFY);
  if (key.kind === "ed25519") return ed25519.verify(signature, content, key.key, { zip215: false });
  throw new Error(`no floor for ${key.kind} keys`);
}

/** RFC 8446 §4.4.3: 64 spaces, the context string, a zero byte, then a transcript hash. */
function certificateVerifyContent(side: "server" | "client"): Uint8Array {
  const context = `TLS 1.3, ${side} CertificateVerify`;
  const out = new Uint8Array(64 + context.length + 1 + 32).fill(0x20);
  for (let i = 0; i < context.length; i++) out[64 + i] = context.charCodeAt(i);
  out[64 + context.length] = 0;
  out.set(randomBytes(32), 64 + context.length + 1);
  return out;
}

/** One handshake's public-key operations; throws if any result is wrong, so nothing is optimised away. */
export function runFloor(inputs: FloorInputs, precomputed: boolean): void {
  // Key shares (RFC 8446 §4.2.8) and the (EC)DHE secret on each side (§7.4.2).
  const clientSecret = x25519.utils.randomSecretKey();
  const clientShare = x25519.getPublicKey(clientSecret);
  const serverSecret = x25519.utils.randomSecretKey();
  const serverShare = x25519.getPublicKey(serverSecret);
  const a = x25519.getSharedSecret(serverSecret, clientShare);
  const b = x25519.getSharedSecret(clientSecret, serverShare);
  if (a[0] !== b[0]) throw new Error("X25519 disagreement");

  // Server: CertificateVerify. Client: server certificate, then its CertificateVerify.
  const serverContent = certificateVerifyContent("server");
  const serverSignature = signCertificateVerify(inputs.server.privateKey, serverContent);
  const ok1 = verifyCaSignature(inputs, inputs.server, precomputed);
  const ok2 = verifyCertificateVerify(inputs.server.publicKey, serverContent, serverSignature);

  // Client: CertificateVerify. Server: client certificate, then its CertificateVerify.
  const clientContent = certificateVerifyContent("client");
  const clientSignature = signCertificateVerify(inputs.client.privateKey, clientContent);
  const ok3 = verifyCaSignature(inputs, inputs.client, precomputed);
  const ok4 = verifyCertificateVerify(inputs.client.publicKey, clientContent, clientSignature);
  if (!(ok1 && ok2 && ok3 && ok4)) throw new Error("a floor verification failed");
}
