/**
 * x25519Compact (src/crypto/x25519-compact.ts), the X25519 ladder without noble's Edwards code:
 * RFC 7748's vectors, node:crypto as the peer, and a whole handshake through a provider composed
 * with it. (Wycheproof's x25519_test.json runs against it in wycheproof.test.ts.)
 */
import { createPublicKey, diffieHellman, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../src/bytes/index.js";
import { aes128gcm, createProvider, ecdsaP256, sha256, x25519Compact } from "../../src/crypto/algorithms.js";
import { compactX25519Share } from "../../src/crypto/x25519-compact.js";
import { ClientConnection, parsePrivateKey } from "../../src/core.js";
import { ServerConnection } from "../../src/index.js";
import { mutualCredentials } from "../helpers/fixtures.js";
import { pump, serverConfig } from "../helpers/pair.js";

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

describe("x25519Compact, RFC 7748", () => {
  it.each([
    [
      "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
      "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
      "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552",
    ],
    [
      "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
      "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
      "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957",
    ],
  ])("§5.2 vector k=%s", (k, u, out) => {
    expect(toHex(compactX25519Share(fromHex(k)).deriveSharedSecret(fromHex(u)) ?? new Uint8Array(0))).toBe(out);
  });

  it("§6.1 Diffie-Hellman: public keys and shared secret", () => {
    const alice = compactX25519Share(fromHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
    const bob = compactX25519Share(fromHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
    expect(toHex(alice.publicKey)).toBe("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    expect(toHex(bob.publicKey)).toBe("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    const shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
    expect(toHex(alice.deriveSharedSecret(bob.publicKey) ?? new Uint8Array(0))).toBe(shared);
    expect(toHex(bob.deriveSharedSecret(alice.publicKey) ?? new Uint8Array(0))).toBe(shared);
  });

  it("generated shares agree with node:crypto in both directions", () => {
    for (let i = 0; i < 10; i++) {
      const node = generateKeyPairSync("x25519");
      const nodePublic = new Uint8Array(Buffer.from(node.publicKey.export({ format: "jwk" }).x ?? "", "base64url"));
      const ours = x25519Compact.generate();
      expect(ours.group).toBe("x25519");
      const ourPublicAsNode = createPublicKey({ key: { kty: "OKP", crv: "X25519", x: b64url(ours.publicKey) }, format: "jwk" });
      const expected = diffieHellman({ privateKey: node.privateKey, publicKey: ourPublicAsNode });
      expect(toHex(ours.deriveSharedSecret(nodePublic) ?? new Uint8Array(0))).toBe(expected.toString("hex"));
    }
  });

  it("a low-order peer value and a wrong length give null (RFC 8446 §7.4.2)", () => {
    const share = x25519Compact.generate();
    expect(share.deriveSharedSecret(new Uint8Array(32))).toBeNull();
    expect(share.deriveSharedSecret(fromHex("0100000000000000000000000000000000000000000000000000000000000000"))).toBeNull();
    expect(share.deriveSharedSecret(new Uint8Array(31))).toBeNull();
  });

  it("a client composed with it completes a mutual handshake with a pure-provider server", () => {
    const creds = mutualCredentials("p256");
    const provider = createProvider({ hashes: [sha256], aeads: [aes128gcm], keyShares: [x25519Compact], signatures: [ecdsaP256] });
    const client = new ClientConnection({
      provider,
      serverName: "localhost",
      trustAnchors: creds.ca,
      certificateChain: creds.clientCert,
      // Parsed, as the minimal device client gives it: mutls/core reads PEM keys only with privateKeyReading.
      privateKey: parsePrivateKey(creds.clientKey),
      cipherSuites: ["TLS_AES_128_GCM_SHA256"],
      groups: ["x25519"],
      signatureSchemes: ["ecdsa_secp256r1_sha256"],
    });
    const server = new ServerConnection(serverConfig(creds));
    pump({ client, server });
    expect(client.error?.message ?? null).toBeNull();
    expect(client.handshakeComplete && server.handshakeComplete).toBe(true);
    expect(client.handshake?.group).toBe("x25519");
  });
});
