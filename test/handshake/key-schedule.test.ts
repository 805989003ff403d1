// The key schedule and transcript hash against RFC 8448: every secret, key, IV and verify_data the
// RFC prints for sections 3 (1-RTT), 5 (HelloRetryRequest), 6 (client authentication) and
// 7 (compatibility mode). The only inputs taken from the RFC are the ECDHE shared secret (the IKM of
// `extract secret "handshake"`) and the handshake messages; every transcript hash is computed here
// from those messages and must equal the RFC's "hash" items.
import { describe, expect, it } from "vitest";
import { toHex } from "../../src/bytes/index.js";
import type { CryptoProvider } from "../../src/crypto/provider.js";
import { keyShareFromPrivateKey, pureProvider } from "../../src/crypto/pure.js";
import { CIPHER_SUITES, HandshakeType } from "../../src/handshake/codec/constants.js";
import { EarlySecret, SuiteKdf, hkdfExpandLabel } from "../../src/handshake/key-schedule.js";
import { encodeFinished } from "../../src/handshake/codec/messages.js";
import { Transcript } from "../../src/handshake/transcript.js";
import { type Rfc8448Section, construct, item, itemOf, loadSection, handshakeMessages, step } from "../helpers/rfc8448.js";

const hex = toHex;
// All five traces use TLS_AES_128_GCM_SHA256 (RFC 8448 §2).
const AES_128_GCM_SHA256 = CIPHER_SUITES.find((s) => s.name === "TLS_AES_128_GCM_SHA256")!;
const SECTIONS = [3, 5, 6, 7] as const;

/** A provider that remembers the `info` of the last HKDF-Expand, to check the HkdfLabel encoding. */
function recordingProvider(): { provider: CryptoProvider; lastInfo: () => Uint8Array } {
  let last: Uint8Array | null = null;
  const provider: CryptoProvider = {
    ...pureProvider,
    hkdfExpand(name, prk, info, length) {
      last = info.slice();
      return pureProvider.hkdfExpand(name, prk, info, length);
    },
  };
  return {
    provider,
    lastInfo: () => {
      if (!last) throw new Error("no HKDF-Expand call was made");
      return last;
    },
  };
}

/** The handshake messages of a trace, by role, as the "construct a … handshake message" steps give them. */
function messages(s: Rfc8448Section) {
  const msg = (actor: "client" | "server", name: string, occurrence = 0) => construct(s, actor, name, occurrence);
  const has = (actor: "client" | "server", name: string) =>
    s.steps.some((x) => x.actor === actor && x.action === `construct a ${name} handshake message`);
  const hrr = s.section === "5";
  return {
    /** Section 5 only: the first ClientHello and the HelloRetryRequest (labelled ServerHello in the RFC). */
    clientHello1: hrr ? msg("client", "ClientHello", 0) : null,
    helloRetryRequest: hrr ? msg("server", "ServerHello", 0) : null,
    clientHello: msg("client", "ClientHello", hrr ? 1 : 0),
    serverHello: msg("server", "ServerHello", hrr ? 1 : 0),
    encryptedExtensions: msg("server", "EncryptedExtensions"),
    certificateRequest: has("server", "CertificateRequest") ? msg("server", "CertificateRequest") : null,
    serverCertificate: msg("server", "Certificate"),
    serverCertificateVerify: msg("server", "CertificateVerify"),
    serverFinished: msg("server", "Finished"),
    clientCertificate: has("client", "Certificate") ? msg("client", "Certificate") : null,
    clientCertificateVerify: has("client", "CertificateVerify") ? msg("client", "CertificateVerify") : null,
    clientFinished: msg("client", "Finished"),
  };
}

/**
 * Transcript hashes at the points the key schedule needs them (RFC 8446 §4.4.1, §7.1), computed with
 * our Transcript. After a HelloRetryRequest, ClientHello1 is replaced by a message_hash message.
 */
function transcriptHashes(s: Rfc8448Section) {
  const m = messages(s);
  const t = new Transcript(pureProvider);
  if (m.clientHello1 && m.helloRetryRequest) {
    t.add(m.clientHello1);
    t.replaceWithMessageHash("SHA-256");
    t.add(m.helloRetryRequest);
  }
  t.add(m.clientHello);
  t.add(m.serverHello);
  t.selectHash("SHA-256");
  const hello = t.hash();
  t.add(m.encryptedExtensions);
  if (m.certificateRequest) t.add(m.certificateRequest);
  t.add(m.serverCertificate);
  t.add(m.serverCertificateVerify);
  const serverCertificateVerify = t.hash();
  t.add(m.serverFinished);
  const serverFinished = t.hash();
  if (m.clientCertificate) t.add(m.clientCertificate);
  if (m.clientCertificateVerify) t.add(m.clientCertificateVerify);
  const clientCertificateVerify = t.hash();
  t.add(m.clientFinished);
  const clientFinished = t.hash();
  return { hello, serverCertificateVerify, serverFinished, clientCertificateVerify, clientFinished };
}

describe.each(SECTIONS)("RFC 8448 section %i key schedule", (n) => {
  const s = loadSection(n);

  it("every HKDF-Expand-Label in the trace gives the RFC's info and output", () => {
    const { provider, lastInfo } = recordingProvider();
    let checked = 0;
    for (const st of s.steps) {
      const where = `line ${st.line} {${st.actor}} ${st.action}`;
      const secret = /^(?:derive secret|calculate finished|generate resumption secret).*"tls13 ([^"]+)"$/.exec(st.action);
      if (secret && st.items.length > 0) {
        const label = secret[1]!;
        const length = item(st, "expanded").length;
        const out = hkdfExpandLabel(provider, "SHA-256", item(st, "PRK"), label, item(st, "hash"), length);
        expect(hex(lastInfo()), `${where}: HkdfLabel`).toBe(hex(item(st, "info")));
        expect(hex(out), `${where}: output`).toBe(hex(item(st, "expanded")));
        checked++;
      }
      if (/^derive (?:write|read) traffic keys/.test(st.action) && st.items.length > 0) {
        const prk = item(st, "PRK");
        const key = hkdfExpandLabel(provider, "SHA-256", prk, "key", new Uint8Array(0), 16);
        expect(hex(lastInfo()), `${where}: key HkdfLabel`).toBe(hex(item(st, "key info")));
        expect(hex(key), `${where}: key`).toBe(hex(item(st, "key expanded")));
        const iv = hkdfExpandLabel(provider, "SHA-256", prk, "iv", new Uint8Array(0), 12);
        expect(hex(lastInfo()), `${where}: iv HkdfLabel`).toBe(hex(item(st, "iv info")));
        expect(hex(iv), `${where}: iv`).toBe(hex(item(st, "iv expanded")));
        checked++;
      }
    }
    // derived ×3, c/s hs, c/s ap, exp, res, finished ×2, keys ×4 at least.
    expect(checked).toBeGreaterThanOrEqual(15);
  });

  it("the ECDHE shared secret (IKM of the handshake secret) follows from the RFC's key shares", () => {
    const hsIkm = itemOf(s, "server", 'extract secret "handshake"', "IKM");
    // Section 5 completes on P-256 after the HelloRetryRequest; the others on x25519.
    const group = n === 5 ? "secp256r1" : "x25519";
    const keyStep = n === 5 ? "create an ephemeral P-256 key pair" : "create an ephemeral x25519 key pair";
    const client = step(s, "client", keyStep);
    const server = step(s, "server", keyStep);
    const clientShare = keyShareFromPrivateKey(group, item(client, "private key"));
    const serverShare = keyShareFromPrivateKey(group, item(server, "private key"));
    expect(hex(clientShare.publicKey)).toBe(hex(item(client, "public key")));
    expect(hex(serverShare.publicKey)).toBe(hex(item(server, "public key")));
    expect(hex(clientShare.deriveSharedSecret(item(server, "public key"))!)).toBe(hex(hsIkm));
    expect(hex(serverShare.deriveSharedSecret(item(client, "public key"))!)).toBe(hex(hsIkm));
  });

  it("Transcript hashes of the RFC's messages equal the RFC's hash items", () => {
    const h = transcriptHashes(s);
    // ClientHello..ServerHello (with ClientHello1 → message_hash and the HRR first in section 5).
    expect(hex(h.hello), "c hs traffic").toBe(hex(itemOf(s, "server", 'derive secret "tls13 c hs traffic"', "hash")));
    expect(hex(h.hello), "s hs traffic").toBe(hex(itemOf(s, "server", 'derive secret "tls13 s hs traffic"', "hash")));
    // ClientHello..server Finished.
    for (const label of ["c ap traffic", "s ap traffic", "exp master"]) {
      expect(hex(h.serverFinished), label).toBe(hex(itemOf(s, "server", `derive secret "tls13 ${label}"`, "hash")));
    }
    // ClientHello..client Finished.
    expect(hex(h.clientFinished), "res master").toBe(hex(itemOf(s, "client", 'derive secret "tls13 res master"', "hash")));
    // The "derived" steps hash the empty string.
    const empty = hex(pureProvider.hash("SHA-256", new Uint8Array(0)));
    expect(hex(itemOf(s, "server", "derive secret for handshake", "hash"))).toBe(empty);
    expect(hex(itemOf(s, "server", "derive secret for master", "hash"))).toBe(empty);
  });

  if (n === 5) {
    it("the HelloRetryRequest transcript replaces ClientHello1 by message_hash (RFC 8446 §4.4.1)", () => {
      const m = messages(s);
      // message_hash = fe 00 00 20 || SHA-256(ClientHello1), then the HRR, ClientHello2, ServerHello.
      const synthetic = new Uint8Array([HandshakeType.message_hash, 0, 0, 32, ...pureProvider.hash("SHA-256", m.clientHello1!)]);
      const direct = pureProvider.hash("SHA-256", new Uint8Array([...synthetic, ...m.helloRetryRequest!, ...m.clientHello, ...m.serverHello]));
      const rfc = itemOf(s, "server", 'derive secret "tls13 c hs traffic"', "hash");
      expect(hex(direct)).toBe(hex(rfc));
      expect(hex(transcriptHashes(s).hello)).toBe(hex(rfc));
      // Hashing ClientHello1 itself instead would give a different transcript.
      const naive = pureProvider.hash("SHA-256", new Uint8Array([...m.clientHello1!, ...m.helloRetryRequest!, ...m.clientHello, ...m.serverHello]));
      expect(hex(naive)).not.toBe(hex(rfc));
    });
  }

  it("the key schedule's stages derive every secret, key, IV and verify_data of the RFC", () => {
    const kdf = new SuiteKdf(pureProvider, AES_128_GCM_SHA256);
    const early = new EarlySecret(kdf);
    const h = transcriptHashes(s);
    const secretOf = (actor: "client" | "server", action: string, label = "expanded") => hex(itemOf(s, actor, action, label));

    // Early Secret = HKDF-Extract(0, 0): no PSK in these sections.
    expect(hex(early.secret), "early secret").toBe(secretOf("server", 'extract secret "early"', "secret"));
    expect(hex(itemOf(s, "server", 'extract secret "early"', "IKM"))).toBe("00".repeat(32));
    // "derived" from the early secret is the salt of the handshake secret.
    expect(secretOf("server", "derive secret for handshake", "PRK")).toBe(hex(early.secret));
    expect(secretOf("server", "derive secret for handshake")).toBe(secretOf("server", 'extract secret "handshake"', "salt"));
    expect(secretOf("client", "derive secret for handshake")).toBe(secretOf("server", "derive secret for handshake"));

    const handshakeStage = early.handshakeSecret(itemOf(s, "server", 'extract secret "handshake"', "IKM"));
    const handshakeSecret = handshakeStage.secret;
    expect(hex(handshakeSecret), "handshake secret").toBe(secretOf("server", 'extract secret "handshake"', "secret"));

    const hs = handshakeStage.trafficSecrets(h.hello);
    expect(hex(hs.client), "client_handshake_traffic_secret").toBe(secretOf("server", 'derive secret "tls13 c hs traffic"'));
    expect(hex(hs.server), "server_handshake_traffic_secret").toBe(secretOf("server", 'derive secret "tls13 s hs traffic"'));

    const masterStage = handshakeStage.masterSecret();
    const master = masterStage.secret;
    expect(secretOf("server", "derive secret for master", "PRK")).toBe(hex(handshakeSecret));
    expect(secretOf("server", "derive secret for master")).toBe(secretOf("server", 'extract secret "master"', "salt"));
    expect(hex(master), "master secret").toBe(secretOf("server", 'extract secret "master"', "secret"));

    const keys = (actor: "client" | "server", action: string) => ({
      prk: secretOf(actor, action, "PRK"),
      key: secretOf(actor, action, "key expanded"),
      iv: secretOf(actor, action, "iv expanded"),
    });
    const ours = (secret: Uint8Array) => {
      const k = kdf.trafficKeys(secret);
      return { prk: hex(secret), key: hex(k.key), iv: hex(k.iv) };
    };
    expect(ours(hs.server), "server handshake write keys").toEqual(keys("server", "derive write traffic keys for handshake data"));
    expect(ours(hs.client), "client handshake write keys").toEqual(keys("server", "derive read traffic keys for handshake data"));

    // Server Finished over ClientHello..server CertificateVerify (RFC 8446 §4.4.4).
    const serverFinished = step(s, "server", 'calculate finished "tls13 finished"');
    expect(hex(item(serverFinished, "PRK"))).toBe(hex(hs.server));
    expect(hex(hkdfExpandLabel(pureProvider, "SHA-256", hs.server, "finished", new Uint8Array(0), 32)), "server finished_key").toBe(
      hex(item(serverFinished, "expanded")),
    );
    const serverVerifyData = kdf.finishedVerifyData(hs.server, h.serverCertificateVerify);
    expect(hex(serverVerifyData), "server verify_data").toBe(hex(item(serverFinished, "finished")));
    expect(hex(encodeFinished(serverVerifyData))).toBe(hex(messages(s).serverFinished));

    const app = masterStage.applicationSecrets(h.serverFinished);
    expect(hex(app.client), "client_application_traffic_secret_0").toBe(secretOf("server", 'derive secret "tls13 c ap traffic"'));
    expect(hex(app.server), "server_application_traffic_secret_0").toBe(secretOf("server", 'derive secret "tls13 s ap traffic"'));
    expect(hex(app.exporter), "exporter_master_secret").toBe(secretOf("server", 'derive secret "tls13 exp master"'));
    expect(ours(app.server), "server application write keys").toEqual(keys("server", "derive write traffic keys for application data"));
    expect(ours(app.client), "client application write keys").toEqual(keys("client", "derive write traffic keys for application data"));

    // Client Finished over ClientHello..server Finished, plus the client's Certificate and
    // CertificateVerify in section 6.
    // The first client "calculate finished" step is the RFC's "(same as server)" note; take the one with octets.
    const clientFinished = s.steps.find((x) => x.actor === "client" && x.action === 'calculate finished "tls13 finished"');
    if (!clientFinished) throw new Error(`section ${n}: no client "calculate finished" step with octets`);
    expect(hex(item(clientFinished, "PRK"))).toBe(hex(hs.client));
    expect(hex(hkdfExpandLabel(pureProvider, "SHA-256", hs.client, "finished", new Uint8Array(0), 32)), "client finished_key").toBe(
      hex(item(clientFinished, "expanded")),
    );
    const clientVerifyData = kdf.finishedVerifyData(hs.client, h.clientCertificateVerify);
    expect(hex(clientVerifyData), "client verify_data").toBe(hex(item(clientFinished, "finished")));
    expect(hex(encodeFinished(clientVerifyData))).toBe(hex(messages(s).clientFinished));

    const resumption = masterStage.resumptionMasterSecret(h.clientFinished);
    expect(hex(resumption), "resumption_master_secret").toBe(secretOf("client", 'derive secret "tls13 res master"'));
  });

  if (n === 3) {
    it("the ticket's PSK is HKDF-Expand-Label(resumption_master_secret, \"resumption\", ticket_nonce)", () => {
      const early = new EarlySecret(new SuiteKdf(pureProvider, AES_128_GCM_SHA256));
      const masterStage = early.handshakeSecret(itemOf(s, "server", 'extract secret "handshake"', "IKM")).masterSecret();
      const resumption = masterStage.resumptionMasterSecret(transcriptHashes(s).clientFinished);
      // NewSessionTicket: lifetime(4) age_add(4) ticket_nonce<1>: the nonce is 00 00 here.
      const [ticket] = handshakeMessages(itemOf(s, "server", "construct a NewSessionTicket", "NewSessionTicket"));
      const nonce = ticket!.body.subarray(9, 9 + ticket!.body[8]!);
      expect(hex(nonce)).toBe("0000");
      const psk = hkdfExpandLabel(pureProvider, "SHA-256", resumption, "resumption", nonce, 32);
      expect(hex(psk)).toBe(hex(itemOf(s, "server", 'generate resumption secret "tls13 resumption"', "expanded")));
    });
  }
});

describe("RFC 8448 loader", () => {
  it("throws a clear error for a missing step or item", () => {
    const s = loadSection(3);
    expect(() => step(s, "client", "construct a HelloRetryRequest")).toThrow(/section 3: no step #0 for \{client\} "construct a HelloRetryRequest/);
    expect(() => step(s, "client", "construct a ClientHello", 1)).toThrow(/no step #1.*\(1 match\)/);
    expect(() => item(step(s, "client", "construct a ClientHello"), "ServerHello")).toThrow(/line 175 .*no item "ServerHello" \(has: "ClientHello"\)/);
  });
});
