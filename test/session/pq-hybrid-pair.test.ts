/**
 * X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem §3) between our client and server, and the wire
 * layout of both halves checked against independent implementations: node:crypto for X25519 and
 * noble's ML-KEM-768 (tested by noble against the FIPS 203 vectors) driven directly, so a swapped
 * concatenation order or a wrong split would fail here even though our two sides would agree.
 * Headless Chromium, which offers the group by default, is the real-peer proof (test/peers/chromium-pq.test.ts).
 */
import { type KeyObject, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, randomBytes } from "node:crypto";
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import { describe, expect, it } from "vitest";
import { answerKeyShare } from "../../src/crypto/key-exchange.js";
import { keyShareFromPrivateKey } from "../../src/crypto/index.js";
import { ClientConnection, type CryptoProvider, type GroupName, type KeyShare, ServerConnection, pureProvider } from "../../src/index.js";
import { nativeProvider } from "../../src/node/index.js";
import { CA_PEM, serverCredential } from "../helpers/fixtures.js";
import { concat } from "../helpers/framing.js";
import { type ClientConfig, type ServerConfig, pumpMemory } from "../helpers/pump.js";

const HYBRID: GroupName = "X25519MLKEM768";
const server = serverCredential("p256");
const HANDSHAKE_TYPE = { client_hello: 1, server_hello: 2 } as const;

async function handshake(sc: Partial<ServerConfig>, cc: Partial<ClientConfig>) {
  const clientHellos: Uint8Array[] = [];
  const serverHellos: Uint8Array[] = [];
  const s = new ServerConnection({
    certificateChain: server.certPem,
    privateKey: server.keyPem,
    ...sc,
    onHandshakeMessage: (d, m) => d === "sent" && m[0] === HANDSHAKE_TYPE.server_hello && serverHellos.push(m.slice()),
  });
  const c = new ClientConnection({
    serverName: "localhost",
    trustAnchors: CA_PEM,
    ...cc,
    onHandshakeMessage: (d, m) => d === "sent" && m[0] === HANDSHAKE_TYPE.client_hello && clientHellos.push(m.slice()),
  });
  const { errors } = await pumpMemory(c, s);
  return { s, c, errors, clientHellos, serverHellos };
}

/** The key_share entries of a ClientHello or the single one of a ServerHello, found by walking the message (RFC 8446 §4.1.2, §4.1.3). */
function keyShareEntries(message: Uint8Array, isClientHello: boolean): { group: number; keyExchange: Uint8Array }[] {
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  let at = 4 + 2 + 32; // handshake header, legacy_version, random
  at += 1 + message[at]; // legacy_session_id
  if (isClientHello) {
    at += 2 + view.getUint16(at); // cipher_suites
    at += 1 + message[at]; // legacy_compression_methods
  } else {
    at += 2 + 1; // cipher_suite, legacy_compression_method
  }
  const end = at + 2 + view.getUint16(at);
  at += 2;
  while (at < end) {
    const type = view.getUint16(at);
    const length = view.getUint16(at + 2);
    const body = message.subarray(at + 4, at + 4 + length);
    at += 4 + length;
    if (type !== 51) continue;
    const entries: { group: number; keyExchange: Uint8Array }[] = [];
    let p = isClientHello ? 2 : 0;
    while (p < body.length) {
      const n = (body[p + 2] << 8) | body[p + 3];
      entries.push({ group: (body[p] << 8) | body[p + 1], keyExchange: body.subarray(p + 4, p + 4 + n) });
      p += 4 + n;
    }
    return entries;
  }
  return [];
}

function nodeX25519(): { privateKey: KeyObject; raw: Uint8Array } {
  const pair = generateKeyPairSync("x25519");
  const jwk = pair.publicKey.export({ format: "jwk" });
  return { privateKey: pair.privateKey, raw: new Uint8Array(Buffer.from(jwk.x!, "base64url")) };
}

function nodeX25519Shared(privateKey: KeyObject, peer: Uint8Array): Uint8Array {
  const publicKey = createPublicKey({ key: { kty: "OKP", crv: "X25519", x: Buffer.from(peer).toString("base64url") }, format: "jwk" });
  return new Uint8Array(diffieHellman({ privateKey, publicKey }));
}

describe("X25519MLKEM768 between our client and server", () => {
  it.each([
    ["pure", "pure", pureProvider, pureProvider],
    ["native", "native", nativeProvider, nativeProvider],
    ["native", "pure", nativeProvider, pureProvider],
    ["pure", "native", pureProvider, nativeProvider],
  ] as const)("agree on the hybrid group (%s client, %s server) and carry data", async (_c, _s, clientProvider, serverProvider) => {
    const { s, c, errors, clientHellos, serverHellos } = await handshake(
      { groups: [HYBRID, "x25519"], provider: serverProvider },
      { groups: [HYBRID, "x25519"], provider: clientProvider },
    );
    expect(errors).toEqual([]);
    expect(c.handshake!.group).toBe(HYBRID);
    expect(s.handshake!.group).toBe(HYBRID);
    // draft §3: the codepoint 0x11EC; 1184 + 32 bytes from the client, 1088 + 32 from the server.
    expect(keyShareEntries(clientHellos[0], true).map((e) => [e.group, e.keyExchange.length])).toEqual([[0x11ec, 1216]]);
    expect(keyShareEntries(serverHellos[0], false).map((e) => [e.group, e.keyExchange.length])).toEqual([[0x11ec, 1120]]);
    c.write(new TextEncoder().encode("post-quantum hello"));
    await pumpMemory(c, s);
    expect(new TextDecoder().decode(s.read()!)).toBe("post-quantum hello");
  });

  it("a server that wants the hybrid group asks for it with a HelloRetryRequest", async () => {
    const { s, c, errors, clientHellos } = await handshake(
      { groups: [HYBRID] },
      { groups: ["x25519", HYBRID], keyShareGroups: ["x25519"] },
    );
    expect(errors).toEqual([]);
    expect(clientHellos.length).toBe(2);
    expect(keyShareEntries(clientHellos[1], true).map((e) => [e.group, e.keyExchange.length])).toEqual([[0x11ec, 1216]]);
    expect(c.handshake!.group).toBe(HYBRID);
    expect(s.handshake!.group).toBe(HYBRID);
  });

  it("a client that sent only a hybrid share retries with x25519 for a classical server", async () => {
    const { s, c, errors, clientHellos } = await handshake({ groups: ["x25519"] }, { groups: [HYBRID, "x25519"] });
    expect(errors).toEqual([]);
    expect(clientHellos.length).toBe(2);
    expect(keyShareEntries(clientHellos[0], true).map((e) => e.group)).toEqual([0x11ec]);
    expect(c.handshake!.group).toBe("x25519");
    expect(s.handshake!.group).toBe("x25519");
  });

  it("is not offered by default", async () => {
    const { c, errors } = await handshake({ groups: [HYBRID] }, {});
    expect(errors.map((e) => e.error.alertName)).toContain("handshake_failure");
    expect(c.handshake).toBeFalsy();
  });

  it("a client share of the wrong length is illegal_parameter (draft §3, RFC 8446 §4.2.8)", async () => {
    const truncating: CryptoProvider = {
      ...pureProvider,
      generateKeyShare(group: GroupName): KeyShare {
        const real = pureProvider.generateKeyShare(group);
        if (group !== HYBRID) return real;
        return { group, publicKey: real.publicKey.subarray(1), deriveSharedSecret: () => null };
      },
    };
    const { errors } = await handshake({ groups: [HYBRID] }, { groups: [HYBRID], provider: truncating });
    expect(errors[0]?.side).toBe("b");
    expect(errors[0]?.error.alertName).toBe("illegal_parameter");
  });
});

describe("X25519MLKEM768 wire layout against node:crypto X25519 and noble ML-KEM-768", () => {
  it("client: share = ek || x25519, secret = ML-KEM secret || X25519 secret", () => {
    const ours = pureProvider.generateKeyShare(HYBRID);
    expect(ours.publicKey.length).toBe(1216);
    const encapsulationKey = ours.publicKey.subarray(0, 1184);
    const clientX25519 = ours.publicKey.subarray(1184);
    // The server's half, computed without our code.
    const { cipherText, sharedSecret } = ml_kem768.encapsulate(encapsulationKey);
    const peer = nodeX25519();
    const expected = concat([sharedSecret, nodeX25519Shared(peer.privateKey, clientX25519)]);
    expect(ours.deriveSharedSecret(concat([cipherText, peer.raw]))).toEqual(expected);
    // Swapping the halves of the server's share must not give the same secret.
    expect(ours.deriveSharedSecret(concat([peer.raw, cipherText]))).not.toEqual(expected);
  });

  it.each([
    ["pure", pureProvider],
    ["native", nativeProvider],
  ] as const)("server (%s): share = ciphertext || x25519, secret = ML-KEM secret || X25519 secret", (_name, provider) => {
    const kem = ml_kem768.keygen();
    const peer = nodeX25519();
    const answer = answerKeyShare(provider, HYBRID, concat([kem.publicKey, peer.raw]))!;
    expect(answer.publicKey.length).toBe(1120);
    const expected = concat([
      ml_kem768.decapsulate(answer.publicKey.subarray(0, 1088), kem.secretKey),
      nodeX25519Shared(peer.privateKey, answer.publicKey.subarray(1088)),
    ]);
    expect(answer.sharedSecret).toEqual(expected);
  });

  it("the server refuses wrong lengths and an encapsulation key failing the FIPS 203 §7.2 modulus check", () => {
    const kem = ml_kem768.keygen();
    const good = concat([kem.publicKey, nodeX25519().raw]);
    expect(answerKeyShare(pureProvider, HYBRID, good)).not.toBeNull();
    expect(answerKeyShare(pureProvider, HYBRID, good.subarray(1))).toBeNull();
    expect(answerKeyShare(pureProvider, HYBRID, concat([good, new Uint8Array(1)]))).toBeNull();
    // The first 12-bit coefficient set to 4095 >= q = 3329: not a canonical encoding.
    const bad = good.slice();
    bad[0] = 0xff;
    bad[1] |= 0x0f;
    expect(answerKeyShare(pureProvider, HYBRID, bad)).toBeNull();
  });

  it("a pinned hybrid share is the FIPS 203 key pair of its seed followed by the RFC 7748 public key of its scalar", () => {
    const seed = new Uint8Array(randomBytes(64));
    const scalar = new Uint8Array(randomBytes(32));
    const ours = keyShareFromPrivateKey(HYBRID, concat([seed, scalar]));
    const nodePrivate = createPrivateKey({ key: { kty: "OKP", crv: "X25519", d: Buffer.from(scalar).toString("base64url"), x: "" }, format: "jwk" });
    const nodePublic = createPublicKey(nodePrivate).export({ format: "jwk" }).x!;
    expect(ours.publicKey).toEqual(concat([ml_kem768.keygen(seed).publicKey, new Uint8Array(Buffer.from(nodePublic, "base64url"))]));
  });

  it("the client refuses a server share of the wrong length", () => {
    const ours = pureProvider.generateKeyShare(HYBRID);
    const { cipherText } = ml_kem768.encapsulate(ours.publicKey.subarray(0, 1184));
    expect(ours.deriveSharedSecret(concat([cipherText, nodeX25519().raw]).subarray(1))).toBeNull();
    expect(ours.deriveSharedSecret(cipherText)).toBeNull();
  });
});
