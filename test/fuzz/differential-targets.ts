/**
 * Differential fuzzing of the cryptography: our AEADs, RSA and HKDF against node:crypto (OpenSSL)
 * and @noble, byte for byte, on inputs the fuzzer chooses.
 */
import { createCipheriv, createPrivateKey, createPublicKey, hkdfSync, sign as nodeSign, verify as nodeVerify, constants } from "node:crypto";
import { gcm } from "@noble/ciphers/aes.js";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { hkdf as nobleHkdf } from "@noble/hashes/hkdf.js";
import { sha256, sha384, sha512 } from "@noble/hashes/sha2.js";
import type { AeadAlgorithm, HashName } from "../../src/crypto/provider.js";
import { pureProvider } from "../../src/crypto/pure.js";
import { parsePrivateKey, publicKeyOf } from "../../src/x509/index.js";
import { readPem } from "../helpers/fixtures.js";
import { Rng } from "./rng.js";
import { type FuzzTarget, violation } from "./target.js";

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** Random seeds of assorted lengths (every input is meaningful, so seeds need no structure). */
function randomSeeds(count: number, seed: number): Uint8Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, i) => rng.bytes([0, 1, 15, 16, 17, 31, 64, 80, 200, 700][i % 10] + 60));
}

const AEADS: { name: AeadAlgorithm; node: string; keyLength: number }[] = [
  { name: "AES-128-GCM", node: "aes-128-gcm", keyLength: 16 },
  { name: "AES-256-GCM", node: "aes-256-gcm", keyLength: 32 },
  { name: "CHACHA20-POLY1305", node: "chacha20-poly1305", keyLength: 32 },
];

/** Input: algorithm byte, AAD length byte, key, 12-byte nonce, AAD, plaintext. */
function aeadTarget(): FuzzTarget {
  return {
    name: "diff-aead",
    seeds: randomSeeds(30, 1),
    run(input) {
      if (input.length < 2) return;
      const alg = AEADS[input[0] % 3];
      const aadLength = input[1] % 48;
      let at = 2;
      const key = input.slice(at, (at += alg.keyLength));
      const nonce = input.slice(at, (at += 12));
      const aad = input.slice(at, (at += aadLength));
      if (key.length !== alg.keyLength || nonce.length !== 12 || aad.length !== aadLength) return;
      const plaintext = input.slice(at);
      const ours = pureProvider.aead(alg.name, key);
      const buf = new Uint8Array(plaintext.length + 16);
      buf.set(plaintext);
      ours.seal(nonce, aad, buf, 0, plaintext.length);
      const cipher = createCipheriv(alg.node as "aes-128-gcm", key, nonce, { authTagLength: 16 } as never);
      cipher.setAAD(aad, { plaintextLength: plaintext.length });
      const theirs = new Uint8Array(Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]));
      if (!same(buf, theirs)) violation(`${alg.name} seal differs from node:crypto: ours ${toHex(buf)} node ${toHex(theirs)}`);
      const noble = alg.name === "CHACHA20-POLY1305" ? chacha20poly1305(key, nonce, aad).encrypt(plaintext) : gcm(key, nonce, aad).encrypt(plaintext);
      if (!same(buf, noble)) violation(`${alg.name} seal differs from @noble/ciphers`);
      // open: the genuine ciphertext decrypts; any single flipped bit (chosen by the input) fails.
      const copy = buf.slice();
      if (!ours.open(nonce, aad, copy, 0, copy.length) || !same(copy.subarray(0, plaintext.length), plaintext)) violation(`${alg.name} open of a genuine ciphertext failed`);
      const flip = (input[input.length - 1] * 8 + (input[0] >> 2)) % (buf.length * 8);
      const forged = buf.slice();
      forged[flip >> 3] ^= 1 << (flip & 7);
      if (ours.open(nonce, aad, forged, 0, forged.length)) violation(`${alg.name} opened a forged ciphertext (bit ${flip} flipped)`);
    },
  };
}

const NOBLE_HASH = { "SHA-256": sha256, "SHA-384": sha384, "SHA-512": sha512 } as const;
const HASHES: HashName[] = ["SHA-256", "SHA-384", "SHA-512"];

/** Input: hash byte, salt length, ikm length, output length (2 bytes), salt, ikm, info. */
function hkdfTarget(): FuzzTarget {
  return {
    name: "diff-hkdf",
    seeds: randomSeeds(30, 2),
    run(input) {
      if (input.length < 5) return;
      const hash = HASHES[input[0] % 3];
      const hashLength = hash === "SHA-256" ? 32 : hash === "SHA-384" ? 48 : 64;
      const saltLength = input[1] % 80;
      const ikmLength = input[2] % 80;
      const length = 1 + (((input[3] << 8) | input[4]) % (255 * hashLength));
      let at = 5;
      const salt = input.slice(at, (at += saltLength));
      const ikm = input.slice(at, (at += ikmLength));
      // node:crypto's hkdfSync caps info at 1024 bytes.
      const info = input.slice(at, at + 1024);
      const prk = pureProvider.hkdfExtract(hash, salt, ikm);
      const ours = pureProvider.hkdfExpand(hash, prk, info, length);
      const node = new Uint8Array(hkdfSync(hash.toLowerCase().replace("-", ""), ikm, salt, info, length));
      if (!same(ours, node)) violation(`HKDF-${hash} (length ${length}) differs from node:crypto`);
      const noble = nobleHkdf(NOBLE_HASH[hash], ikm, salt, info, length);
      if (!same(ours, noble)) violation(`HKDF-${hash} differs from @noble/hashes`);
    },
  };
}

/**
 * RSA with the 2048-bit fixture key. Input: mode byte, then the message. PKCS#1 v1.5 signatures
 * are deterministic, so ours must equal OpenSSL's byte for byte; PSS signatures (randomized)
 * must verify across both implementations; a signature with a flipped bit must fail in both.
 */
function rsaTarget(): FuzzTarget {
  const pem = readPem("server-rsa2048.key.pem");
  const priv = parsePrivateKey(pem);
  const pub = publicKeyOf(priv);
  const nodePriv = createPrivateKey(pem);
  const nodePub = createPublicKey(nodePriv);
  return {
    name: "diff-rsa",
    seeds: randomSeeds(10, 3),
    run(input) {
      if (input.length === 0) return;
      const hash = HASHES[input[0] % 3];
      const nodeHash = hash.toLowerCase().replace("-", "");
      const message = input.subarray(1);
      const pss = (input[0] & 4) !== 0;
      const saltLength = hash === "SHA-256" ? 32 : hash === "SHA-384" ? 48 : 64;
      const padding = pss ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength } : { padding: constants.RSA_PKCS1_PADDING };
      const alg = pss ? ({ kind: "rsa-pss", hash, saltLength } as const) : ({ kind: "rsa-pkcs1", hash } as const);
      const ours = pureProvider.sign(alg, priv, message);
      const theirs = new Uint8Array(nodeSign(nodeHash, message, { key: nodePriv, ...padding }));
      if (!pss && !same(ours, theirs)) violation(`RSA PKCS#1 v1.5 ${hash} signature differs from node:crypto`);
      if (!nodeVerify(nodeHash, message, { key: nodePub, ...padding }, ours)) violation(`node:crypto rejects our RSA ${alg.kind} ${hash} signature`);
      if (!pureProvider.verify(alg, pub, message, theirs)) violation(`we reject node:crypto's RSA ${alg.kind} ${hash} signature`);
      const bad = theirs.slice();
      bad[message.length % bad.length] ^= 1 << (input[0] % 8);
      if (pureProvider.verify(alg, pub, message, bad)) violation(`we accept an RSA ${alg.kind} signature with a flipped bit`);
    },
  };
}

export function differentialTargets(): FuzzTarget[] {
  return [aeadTarget(), hkdfTarget(), rsaTarget()];
}
