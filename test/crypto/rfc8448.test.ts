// The crypto provider against the published TLS 1.3 traces of RFC 8448: key shares, HKDF steps,
// record protection and CertificateVerify signatures. Self-contained (reads the JSON directly) so a
// crypto failure is reported here and not through handshake code.
import { X509Certificate, constants, createHash, createPublicKey, publicDecrypt } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { asciiBytes, concatBytes, fromHex, toHex } from "../../src/bytes/index.js";
import type { GroupName, PrivateKey, PublicKey, SignatureAlgorithm } from "../../src/crypto/provider.js";
import { createPinnedProvider, keyShareFromPrivateKey, pureProvider as p } from "../../src/crypto/pure.js";
import type { Rfc8448Section, Rfc8448Step } from "../../vectors/rfc8448/extract.mjs";

const FILES = {
  3: "section3-simple-1rtt.json",
  4: "section4-resumed-0rtt.json",
  5: "section5-hello-retry-request.json",
  6: "section6-client-authentication.json",
  7: "section7-compatibility-mode.json",
} as const;
type SectionNumber = keyof typeof FILES;
const SECTIONS = [3, 4, 5, 6, 7] as const;

const load = (n: SectionNumber): Rfc8448Section =>
  JSON.parse(readFileSync(new URL(`../../vectors/rfc8448/${FILES[n]}`, import.meta.url), "utf8")) as Rfc8448Section;

function get(s: Rfc8448Step, label: string): Uint8Array {
  const found = s.items.find((i) => i.label === label);
  if (!found) throw new Error(`line ${s.line}: no item ${label}`);
  return fromHex(found.hex);
}
const has = (s: Rfc8448Step, label: string) => s.items.some((i) => i.label === label);
function find(section: Rfc8448Section, actor: string, action: string, occurrence = 0): Rfc8448Step {
  const found = section.steps.filter((s) => s.actor === actor && s.action === action)[occurrence];
  if (!found) throw new Error(`section ${section.section}: no {${actor}} ${action} #${occurrence}`);
  return found;
}

/** What a CertificateVerify step signs and with which key, rebuilt from the trace. */
function certificateVerify(section: Rfc8448Section, cvStep: Rfc8448Step) {
  const actor = cvStep.actor;
  const messages = section.steps
    .filter((s) => s.line < cvStep.line && s.action.startsWith("construct a") && s.action.endsWith("handshake message"))
    .map((s) => ({ actor: s.actor, body: s.items[0] ? fromHex(s.items[0].hex) : new Uint8Array(0) }));
  // After a HelloRetryRequest, ClientHello1 is replaced by message_hash (RFC 8446 §4.4.1).
  const clientHellos = messages.filter((m) => m.body[0] === 1);
  if (clientHellos.length === 2) {
    const first = clientHellos[0];
    first.body = concatBytes(new Uint8Array([0xfe, 0, 0, 32]), p.hash("SHA-256", first.body));
  }
  const certificateMessage = messages.filter((m) => m.actor === actor && m.body[0] === 11).at(-1)!.body;
  const contextLength = certificateMessage[4];
  const at = 5 + contextLength + 3; // header, context, certificate_list length
  const certLength = (certificateMessage[at] << 16) | (certificateMessage[at + 1] << 8) | certificateMessage[at + 2];
  const certificate = new X509Certificate(certificateMessage.subarray(at + 3, at + 3 + certLength));
  const jwk = certificate.publicKey.export({ format: "jwk" });
  const b = (s: string | undefined) => fromHex(Buffer.from(s ?? "", "base64url").toString("hex"));
  const key: PublicKey =
    jwk.kty === "RSA"
      ? { kind: "rsa", n: BigInt("0x" + toHex(b(jwk.n))), e: BigInt("0x" + toHex(b(jwk.e))), pssOnly: false }
      : { kind: "ec", curve: "P-256", point: concatBytes(new Uint8Array([4]), b(jwk.x), b(jwk.y)) };

  const cv = get(cvStep, "CertificateVerify");
  const scheme = (cv[4] << 8) | cv[5];
  if (scheme !== 0x0804 && scheme !== 0x0403) throw new Error(`unexpected scheme ${scheme.toString(16)}`);
  const signature = cv.subarray(8, 8 + ((cv[6] << 8) | cv[7]));
  const algorithm: SignatureAlgorithm =
    scheme === 0x0804 ? { kind: "rsa-pss", hash: "SHA-256", saltLength: 32 } : { kind: "ecdsa", hash: "SHA-256" };
  const transcriptHash = p.hash("SHA-256", concatBytes(...messages.map((m) => m.body)));
  const contentFor = (side: string) =>
    concatBytes(new Uint8Array(64).fill(0x20), asciiBytes(`TLS 1.3, ${side} CertificateVerify`), new Uint8Array([0]), transcriptHash);
  return { key, algorithm, signature, content: contentFor(actor), otherContent: contentFor(actor === "server" ? "client" : "server") };
}

describe.each(SECTIONS)("RFC 8448 section %i", (n) => {
  const section = load(n);

  it("every HKDF-Extract and HKDF-Expand step reproduces (SHA-256)", () => {
    let checked = 0;
    for (const s of section.steps) {
      if (has(s, "IKM") && has(s, "secret")) {
        // "salt: 0" lines carry no hex; RFC 8446 §7.1's zero salt equals an empty HMAC key.
        const salt = has(s, "salt") ? get(s, "salt") : new Uint8Array(0);
        expect(toHex(p.hkdfExtract("SHA-256", salt, get(s, "IKM"))), `line ${s.line}`).toBe(toHex(get(s, "secret")));
        checked++;
      }
      for (const [info, out] of [["info", "expanded"], ["key info", "key expanded"], ["iv info", "iv expanded"]]) {
        if (has(s, "PRK") && has(s, info) && has(s, out)) {
          const expected = get(s, out);
          expect(toHex(p.hkdfExpand("SHA-256", get(s, "PRK"), get(s, info), expected.length)), `line ${s.line} ${out}`).toBe(toHex(expected));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(15);
  });

  it("ephemeral key shares give the RFC's public keys and the handshake IKM", () => {
    const made = section.steps.filter((s) => s.action.startsWith("create an ephemeral"));
    const groupOf = (s: Rfc8448Step): GroupName => (s.action.includes("P-256") ? "secp256r1" : "x25519");
    const client = made.filter((s) => s.actor === "client").at(-1)!;
    const server = made.filter((s) => s.actor === "server").at(-1)!;
    for (const s of made) {
      expect(toHex(keyShareFromPrivateKey(groupOf(s), get(s, "private key")).publicKey)).toBe(toHex(get(s, "public key")));
    }
    const ikm = section.steps.filter((s) => s.action === 'extract secret "handshake"' && has(s, "IKM")).at(-1)!;
    const clientShare = keyShareFromPrivateKey(groupOf(client), get(client, "private key"));
    const serverShare = keyShareFromPrivateKey(groupOf(server), get(server, "private key"));
    expect(toHex(clientShare.deriveSharedSecret(get(server, "public key")) ?? new Uint8Array(0))).toBe(toHex(get(ikm, "IKM")));
    expect(toHex(serverShare.deriveSharedSecret(get(client, "public key")) ?? new Uint8Array(0))).toBe(toHex(get(ikm, "IKM")));
  });

  // Every CertificateVerify in the traces (sections 3, 5, 7: server RSA; 6: server ECDSA P-256 and
  // client RSA) verifies with the key from the certificate the same side sent (RFC 8446 §4.4.3).
  const verifies = section.steps.filter((s) => s.action === "construct a CertificateVerify handshake message");
  // Sections without a CertificateVerify (the PSK-only resumption of §4) have nothing to check here.
  it.skipIf(verifies.length === 0).each(verifies.map((s) => [s.actor, s] as const))("%s CertificateVerify verifies", (actor, cvStep) => {
    const { key, algorithm, signature, content, otherContent } = certificateVerify(section, cvStep);
    expect(p.verify(algorithm, key, content, signature)).toBe(true);
    // The other side's context string must not verify (RFC 8446 §4.4.3 domain separation).
    expect(p.verify(algorithm, key, otherContent, signature)).toBe(false);
  });
});

describe("RFC 8448 section 3 record protection (AES-128-GCM, RFC 8446 §5.2-5.3)", () => {
  const section = load(3);
  /** Opens a complete record with the given write key/iv at sequence number 0. */
  function openRecord(keys: Rfc8448Step, record: Rfc8448Step, keyLabel = "key expanded", ivLabel = "iv expanded") {
    const complete = get(record, "complete record");
    const header = complete.subarray(0, 5);
    const buf = complete.slice(5);
    // Sequence number 0: the per-record nonce is the IV itself (§5.3).
    const ok = p.aead("AES-128-GCM", get(keys, keyLabel)).open(get(keys, ivLabel), header, buf, 0, buf.length);
    return { ok, plaintext: buf.subarray(0, buf.length - 16) };
  }

  it("server handshake flight opens to the payload plus content type 22", () => {
    const { ok, plaintext } = openRecord(find(section, "server", "derive write traffic keys for handshake data"), find(section, "server", "send handshake record", 1));
    expect(ok).toBe(true);
    const payload = get(find(section, "server", "send handshake record", 1), "payload");
    expect(toHex(plaintext)).toBe(toHex(concatBytes(payload, new Uint8Array([22]))));
  });

  it("client Finished record seals to the RFC bytes", () => {
    const keys = find(section, "server", "derive read traffic keys for handshake data");
    const record = find(section, "client", "send handshake record", 1);
    const complete = get(record, "complete record");
    const inner = concatBytes(get(record, "payload"), new Uint8Array([22]));
    const buf = new Uint8Array(inner.length + 16);
    buf.set(inner);
    p.aead("AES-128-GCM", get(keys, "key expanded")).seal(get(keys, "iv expanded"), complete.subarray(0, 5), buf, 0, inner.length);
    expect(toHex(buf)).toBe(toHex(complete.subarray(5)));
  });
});

describe("createPinnedProvider replays RFC 8448 section 3's client", () => {
  const section = load(3);
  const clientHello = get(find(section, "client", "construct a ClientHello handshake message"), "ClientHello");
  const clientRandom = clientHello.subarray(6, 38); // after type(1) length(3) legacy_version(2)
  const keyPair = find(section, "client", "create an ephemeral x25519 key pair");

  it("returns the pinned random and key share in order, then refuses to improvise", () => {
    const pinned = createPinnedProvider(p, { random: [clientRandom], keyShares: { x25519: [get(keyPair, "private key")] } });
    expect(toHex(pinned.randomBytes(32))).toBe(toHex(clientRandom));
    expect(() => pinned.randomBytes(32)).toThrow(/exhausted/);
    const share = pinned.generateKeyShare("x25519");
    expect(toHex(share.publicKey)).toBe(toHex(get(keyPair, "public key")));
    // The client's key_share extension carries that public key.
    expect(toHex(clientHello)).toContain(toHex(get(keyPair, "public key")));
    expect(() => pinned.generateKeyShare("x25519")).toThrow(/exhausted/);
    // Groups without pins come from the base provider.
    expect(pinned.generateKeyShare("secp256r1").publicKey.length).toBe(65);
    // Everything else is delegated.
    expect(toHex(pinned.hash("SHA-256", clientHello))).toBe(toHex(p.hash("SHA-256", clientHello)));
  });

  it("throws when the requested length differs from the next pinned value", () => {
    const pinned = createPinnedProvider(p, { random: [clientRandom] });
    expect(() => pinned.randomBytes(16)).toThrow(/32 bytes; 16 were requested/);
  });

  it("without random pins, randomness comes from the base provider", () => {
    const pinned = createPinnedProvider(p, {});
    expect(pinned.randomBytes(32).length).toBe(32);
    expect(toHex(pinned.randomBytes(32))).not.toBe(toHex(pinned.randomBytes(32)));
  });
});

describe("RFC 8448 §2 server RSA key (vectors/rsa/rfc8448-server-key.json)", () => {
  const file = JSON.parse(readFileSync(new URL("../../vectors/rsa/rfc8448-server-key.json", import.meta.url), "utf8")) as {
    key: Record<"n" | "e" | "d" | "p" | "q" | "dp" | "dq" | "qinv", string>;
  };
  const k = Object.fromEntries(Object.entries(file.key).map(([name, hex]) => [name, BigInt("0x" + hex)])) as Record<keyof typeof file.key, bigint>;
  const privateKey: PrivateKey = { kind: "rsa", ...k };

  /** The PSS salt inside an RFC signature: RFC 8017 §9.1.2 steps 5-11, with OpenSSL doing s^e mod n. */
  function recoverSalt(signature: Uint8Array): Uint8Array {
    const publicKey = createPublicKey({ key: { kty: "RSA", n: Buffer.from(file.key.n, "hex").toString("base64url"), e: "AQAB" }, format: "jwk" });
    const em = new Uint8Array(publicDecrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, signature));
    const h = em.subarray(128 - 33, 127);
    const db = em.slice(0, 128 - 33);
    for (let counter = 0, at = 0; at < db.length; counter++, at += 32) {
      const mask = createHash("sha256").update(h).update(new Uint8Array([0, 0, 0, counter])).digest();
      for (let i = 0; i < 32 && at + i < db.length; i++) db[at + i] ^= mask[i];
    }
    return db.subarray(db.length - 32);
  }

  it("is the key of the server certificate in section 3", () => {
    const s3 = load(3);
    const { key } = certificateVerify(s3, find(s3, "server", "construct a CertificateVerify handshake message"));
    expect(key.kind === "rsa" && key.n === k.n && key.e === k.e).toBe(true);
  });

  it.each([3, 5, 7] as const)("section %i: with the RFC's salt pinned, signing reproduces the RFC's CertificateVerify byte for byte", (n) => {
    const section = load(n);
    const { algorithm, signature, content } = certificateVerify(section, find(section, "server", "construct a CertificateVerify handshake message"));
    const pinned = createPinnedProvider(p, { pssSalts: [recoverSalt(signature)] });
    expect(toHex(pinned.sign(algorithm, privateKey, content))).toBe(toHex(signature));
    expect(() => pinned.sign(algorithm, privateKey, content)).toThrow(/salts exhausted/);
  });

  it("a pinned salt of the wrong length is refused", () => {
    const pinned = createPinnedProvider(p, { pssSalts: [new Uint8Array(20)] });
    expect(() => pinned.sign({ kind: "rsa-pss", hash: "SHA-256", saltLength: 32 }, privateKey, new Uint8Array(1))).toThrow(/20 bytes/);
  });
});
