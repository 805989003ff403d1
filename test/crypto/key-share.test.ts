import { createECDH, createPublicKey, diffieHellman, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { TLSError, fromHex, toHex } from "../../src/bytes/index.js";
import { keyShareFromPrivateKey, pureProvider as p } from "../../src/crypto/pure.js";

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
const fromB64url = (s: string | undefined) => new Uint8Array(Buffer.from(s ?? "", "base64url"));

/** X25519(k, u) from RFC 7748 §5, via our key share API. */
function x25519(k: Uint8Array, u: Uint8Array): Uint8Array | null {
  return keyShareFromPrivateKey("x25519", k).deriveSharedSecret(u);
}

describe("X25519, RFC 7748", () => {
  it.each([
    [
      "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
      "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
      "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552",
    ],
    [
      "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
      // The high bit of this u is set; RFC 7748 §5 requires masking it.
      "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
      "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957",
    ],
  ])("§5.2 vector k=%s", (k, u, out) => {
    expect(toHex(x25519(fromHex(k), fromHex(u)) ?? new Uint8Array(0))).toBe(out);
  });

  it("§5.2 iterated vector, one iteration (k = u = 9)", () => {
    // The 1000-iteration value would cost seconds here (each step also derives a public key).
    const nine = fromHex("0900000000000000000000000000000000000000000000000000000000000000");
    expect(toHex(x25519(nine, nine) ?? new Uint8Array(0))).toBe("422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079");
  });

  it("§6.1 Diffie-Hellman: public keys and shared secret", () => {
    const alice = keyShareFromPrivateKey("x25519", fromHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
    const bob = keyShareFromPrivateKey("x25519", fromHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
    expect(toHex(alice.publicKey)).toBe("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    expect(toHex(bob.publicKey)).toBe("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    const shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
    expect(toHex(alice.deriveSharedSecret(bob.publicKey) ?? new Uint8Array(0))).toBe(shared);
    expect(toHex(bob.deriveSharedSecret(alice.publicKey) ?? new Uint8Array(0))).toBe(shared);
  });

  it("agrees with node:crypto in both directions", () => {
    for (let i = 0; i < 20; i++) {
      const node = generateKeyPairSync("x25519");
      const nodePublic = fromB64url(node.publicKey.export({ format: "jwk" }).x);
      const ours = p.generateKeyShare("x25519");
      expect(ours.group).toBe("x25519");
      expect(ours.publicKey.length).toBe(32);
      const ourPublicAsNode = createPublicKey({ key: { kty: "OKP", crv: "X25519", x: b64url(ours.publicKey) }, format: "jwk" });
      const expected = diffieHellman({ privateKey: node.privateKey, publicKey: ourPublicAsNode });
      expect(toHex(ours.deriveSharedSecret(nodePublic) ?? new Uint8Array(0))).toBe(expected.toString("hex"));
    }
  });

  // Low-order points (and non-canonical encodings of them) give the all-zero output that
  // RFC 8446 §7.4.2 says MUST be rejected; node:crypto (OpenSSL) refuses them too.
  const lowOrder = [
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000080",
  ];
  it.each(lowOrder)("rejects low-order point %s with null, like OpenSSL", (u) => {
    const node = generateKeyPairSync("x25519");
    let nodeThrew = false;
    try {
      diffieHellman({
        privateKey: node.privateKey,
        publicKey: createPublicKey({ key: { kty: "OKP", crv: "X25519", x: b64url(fromHex(u)) }, format: "jwk" }),
      });
    } catch {
      nodeThrew = true;
    }
    expect(nodeThrew).toBe(true);
    expect(p.generateKeyShare("x25519").deriveSharedSecret(fromHex(u))).toBeNull();
  });

  it("rejects wrong-length public values", () => {
    const share = p.generateKeyShare("x25519");
    for (const length of [0, 31, 33, 65]) expect(share.deriveSharedSecret(new Uint8Array(length).fill(9))).toBeNull();
  });
});

const NIST = [
  { group: "secp256r1", nodeCurve: "prime256v1", jwkCurve: "P-256", size: 32, p: "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff" },
  {
    group: "secp384r1",
    nodeCurve: "secp384r1",
    jwkCurve: "P-384",
    size: 48,
    p: "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff",
  },
] as const;

describe.each(NIST)("$group key shares", ({ group, nodeCurve, size, p: fieldPrime }) => {
  it("shared secret equals node:crypto ECDH's (the X coordinate, RFC 8446 §7.4.1)", () => {
    for (let i = 0; i < 10; i++) {
      const node = createECDH(nodeCurve);
      node.generateKeys();
      const ours = p.generateKeyShare(group);
      expect(ours.group).toBe(group);
      expect(ours.publicKey.length).toBe(1 + 2 * size);
      expect(ours.publicKey[0]).toBe(0x04);
      const secret = ours.deriveSharedSecret(new Uint8Array(node.getPublicKey()));
      expect(secret?.length).toBe(size);
      expect(toHex(secret ?? new Uint8Array(0))).toBe(node.computeSecret(ours.publicKey).toString("hex"));
    }
  });

  it("derives the same public key as node:crypto from a private key", () => {
    const node = createECDH(nodeCurve);
    node.generateKeys();
    // node:crypto returns the scalar as a big number, without leading zero bytes (1 key in 256).
    const size = (node.getPublicKey().length - 1) / 2;
    const scalar = new Uint8Array(size);
    const raw = node.getPrivateKey();
    scalar.set(raw, size - raw.length);
    const share = keyShareFromPrivateKey(group, scalar);
    expect(toHex(share.publicKey)).toBe(node.getPublicKey("hex", "uncompressed"));
  });

  it("rejects invalid peer values with null", () => {
    const node = createECDH(nodeCurve);
    node.generateKeys();
    const valid = new Uint8Array(node.getPublicKey());
    const share = p.generateKeyShare(group);
    expect(share.deriveSharedSecret(valid)).not.toBeNull();

    const offCurve = valid.slice();
    offCurve[offCurve.length - 1] ^= 1;
    const compressed = new Uint8Array(node.getPublicKey(null, "compressed"));
    const hybrid = new Uint8Array(node.getPublicKey(null, "hybrid"));
    const wrongPrefix = valid.slice();
    wrongPrefix[0] = 0x02;
    const xIsP = valid.slice();
    xIsP.set(fromHex(fieldPrime), 1);
    const zeros = new Uint8Array(valid.length);
    zeros[0] = 0x04;

    for (const bad of [offCurve, compressed, hybrid, wrongPrefix, xIsP, zeros, new Uint8Array(valid.length), new Uint8Array([0]), valid.subarray(0, valid.length - 1), new Uint8Array([...valid, 0])]) {
      expect(share.deriveSharedSecret(bad)).toBeNull();
    }
    // A point on the other NIST curve has the wrong length for this group.
    const other = p.generateKeyShare(group === "secp256r1" ? "secp384r1" : "secp256r1");
    expect(share.deriveSharedSecret(other.publicKey)).toBeNull();
  });

  it("refuses out-of-range private keys", () => {
    expect(() => keyShareFromPrivateKey(group, new Uint8Array(size))).toThrow(TLSError);
    expect(() => keyShareFromPrivateKey(group, new Uint8Array(size).fill(0xff))).toThrow(TLSError);
    expect(() => keyShareFromPrivateKey(group, new Uint8Array(size + 1).fill(1))).toThrow(TLSError);
  });
});

