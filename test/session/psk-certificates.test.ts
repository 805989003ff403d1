/**
 * External PSKs combined with certificates (RFC 8773, tls_cert_with_extern_psk) between our client
 * and server. No OpenSSL or GnuTLS release implements RFC 8773, so the outside checks are:
 * - the key schedule, recomputed with node:crypto (X25519 and HKDF) from the PSK, the pinned
 *   client key share and the transcript: the handshake secret must depend on both the PSK and
 *   the (EC)DHE secret (RFC 8773, "Keying Material");
 * - Wireshark's dissector (tshark), which must find the extension (type 33) in both hellos and,
 *   with our key log, decrypt the certificate flight that follows a PSK ServerHello.
 */
import { createHash, createHmac, createPrivateKey, createPublicKey, diffieHellman, randomBytes } from "node:crypto";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ClientConnection, ServerConnection, TLSError } from "../../src/index.js";
import { createPinnedProvider, pureProvider } from "../../src/crypto/pure.js";
import { CA_PEM, clientCredential, serverCredential } from "../helpers/fixtures.js";
import { type ClientConfig, type ServerConfig, pumpMemory } from "../helpers/pump.js";
import { PCAP_SERVER_PORT, PcapConversation, pumpRecorded } from "./pcap.js";

const KEY = new Uint8Array(randomBytes(32));
const PSK = { identity: "gateway-7", key: KEY, withCertificates: true } as const;
const serverCred = serverCredential("p256");
const clientCred = clientCredential("ed25519");
const TSHARK = spawnSync("tshark", ["-v"]).status === 0;
const EXT_CERT_WITH_EXTERN_PSK = 33;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const serverBase: ServerConfig = { certificateChain: serverCred.certPem, privateKey: serverCred.keyPem, trustAnchors: CA_PEM };
const clientBase: ClientConfig = { serverName: "localhost", trustAnchors: CA_PEM, certificateChain: clientCred.certPem, privateKey: clientCred.keyPem };

interface Run {
  s: ServerConnection;
  c: ClientConnection;
  errors: TLSError[];
  /** Handshake messages as the client sent and received them, in order. */
  clientSent: Uint8Array[];
  clientReceived: Uint8Array[];
  keyLog: string[];
}

async function handshake(sc: ServerConfig, cc: ClientConfig): Promise<Run> {
  const clientSent: Uint8Array[] = [];
  const clientReceived: Uint8Array[] = [];
  const keyLog: string[] = [];
  const s = new ServerConnection(sc);
  const c = new ClientConnection({
    ...cc,
    keyLog: (line) => keyLog.push(line),
    onHandshakeMessage: (d, m) => (d === "sent" ? clientSent : clientReceived).push(m.slice()),
  });
  const { errors } = await pumpMemory(c, s);
  return { s, c, errors: errors.map((e) => e.error), clientSent, clientReceived, keyLog };
}

/** The extension types of a ClientHello or ServerHello, read with a parser of this file's own. */
function helloExtensions(message: Uint8Array): Map<number, Uint8Array> {
  let at = 4 + 2 + 32; // header, legacy_version, random
  at += 1 + message[at]; // legacy_session_id
  if (message[0] === 1) {
    at += 2 + ((message[at] << 8) | message[at + 1]); // cipher_suites
    at += 1 + message[at]; // compression methods
  } else {
    at += 3; // cipher_suite, legacy_compression_method
  }
  const end = at + 2 + ((message[at] << 8) | message[at + 1]);
  at += 2;
  const found = new Map<number, Uint8Array>();
  while (at < end) {
    const type = (message[at] << 8) | message[at + 1];
    const length = (message[at + 2] << 8) | message[at + 3];
    found.set(type, message.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return found;
}

function hkdfExtract(salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac("sha256", salt).update(ikm).digest());
}

function expandLabel(secret: Uint8Array, label: string, context: Uint8Array, length = 32): Uint8Array {
  const full = Buffer.from("tls13 " + label, "ascii");
  const info = Buffer.concat([Buffer.from([length >> 8, length & 255, full.length]), full, Buffer.from([context.length]), context]);
  return new Uint8Array(createHmac("sha256", secret).update(Buffer.concat([info, Buffer.from([1])])).digest()).subarray(0, length);
}

/** RFC 8446 §7.1 up to client_handshake_traffic_secret, with node:crypto. */
function clientHandshakeSecret(psk: Uint8Array, dhe: Uint8Array, clientHello: Uint8Array, serverHello: Uint8Array): string {
  const early = hkdfExtract(new Uint8Array(32), psk);
  const derived = expandLabel(early, "derived", createHash("sha256").digest());
  const handshakeSecret = hkdfExtract(derived, dhe);
  const transcript = createHash("sha256").update(clientHello).update(serverHello).digest();
  return Buffer.from(expandLabel(handshakeSecret, "c hs traffic", transcript)).toString("hex");
}

/** X25519 with node:crypto: our pinned private key and the server's share from its ServerHello. */
function nodeX25519(privateKey: Uint8Array, peerPublic: Uint8Array): Uint8Array {
  const priv = createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b656e04220420", "hex"), privateKey]), format: "der", type: "pkcs8" });
  const pub = createPublicKey({ key: Buffer.concat([Buffer.from("302a300506032b656e032100", "hex"), peerPublic]), format: "der", type: "spki" });
  return new Uint8Array(diffieHellman({ privateKey: priv, publicKey: pub }));
}

describe("RFC 8773: an external PSK combined with certificates", () => {
  it("runs a mutual certificate handshake whose key schedule also takes the PSK", async () => {
    const clientKey = new Uint8Array(randomBytes(32));
    const provider = createPinnedProvider(pureProvider, { keyShares: { x25519: [clientKey] } });
    const { s, c, errors, clientSent, clientReceived, keyLog } = await handshake(
      { ...serverBase, clientAuth: "require", externalPsks: [PSK] },
      { ...clientBase, externalPsk: PSK, provider },
    );
    expect(errors).toEqual([]);
    // Both proofs are in the result: the PSK's name and the verified certificates.
    expect(c.handshake!.pskIdentity).toBe("gateway-7");
    expect(s.handshake!.pskIdentity).toBe("gateway-7");
    expect(c.handshake!.peerIdentity!.dnsNames).toContain("localhost");
    expect(s.handshake!.peerCertificates.length).toBeGreaterThan(0);
    expect(s.handshake!.peerSignatureScheme).toBe("ed25519");
    expect(c.handshake!.peerSignatureScheme).toBe("ecdsa_secp256r1_sha256");
    expect(c.handshake!.resumed).toBe(false);

    const clientHello = clientSent[0];
    const serverHello = clientReceived[0];
    expect(helloExtensions(clientHello).get(EXT_CERT_WITH_EXTERN_PSK)).toEqual(new Uint8Array(0));
    const shExtensions = helloExtensions(serverHello);
    expect(shExtensions.get(EXT_CERT_WITH_EXTERN_PSK)).toEqual(new Uint8Array(0));
    expect(shExtensions.has(41)).toBe(true); // pre_shared_key
    // The server's flight after a PSK ServerHello: EncryptedExtensions, CertificateRequest,
    // Certificate, CertificateVerify, Finished; and ours: Certificate, CertificateVerify, Finished.
    expect(clientReceived.slice(1, 6).map((m) => m[0])).toEqual([8, 13, 11, 15, 20]);
    expect(clientSent.slice(1).map((m) => m[0])).toEqual([11, 15, 20]);

    // The handshake secret is HKDF-Extract(Derive-Secret(HKDF-Extract(0, PSK), "derived"), ECDHE).
    const share = shExtensions.get(51)!; // key_share: group(2) length(2) key
    expect((share[0] << 8) | share[1]).toBe(0x001d);
    const dhe = nodeX25519(clientKey, share.subarray(4));
    const logged = keyLog.find((l) => l.startsWith("CLIENT_HANDSHAKE_TRAFFIC_SECRET "))!.split(" ")[2];
    expect(logged).toBe(clientHandshakeSecret(KEY, dhe, clientHello, serverHello));
    // ... and not what a certificate-only handshake (no PSK) would derive from the same shares.
    expect(logged).not.toBe(clientHandshakeSecret(new Uint8Array(32), dhe, clientHello, serverHello));

    c.write(new TextEncoder().encode("telemetry"));
    await pumpMemory(c, s);
    expect(new TextDecoder().decode(s.read()!)).toBe("telemetry");
  });

  it("authenticates only the server by certificate when the server does not ask for the client's", async () => {
    const { s, c, errors, clientReceived } = await handshake({ ...serverBase, externalPsks: [PSK] }, { ...clientBase, externalPsk: PSK });
    expect(errors).toEqual([]);
    expect(clientReceived.slice(1, 5).map((m) => m[0])).toEqual([8, 11, 15, 20]);
    expect(c.handshake!.pskIdentity).toBe("gateway-7");
    expect(c.handshake!.peerCertificates.length).toBeGreaterThan(0);
    expect(s.handshake!.peerCertificates).toEqual([]);
  });

  it("keeps the combination through a HelloRetryRequest", async () => {
    const { s, c, errors, clientSent } = await handshake(
      { ...serverBase, clientAuth: "require", externalPsks: [PSK], groups: ["secp256r1"] },
      { ...clientBase, externalPsk: PSK, groups: ["x25519", "secp256r1"], keyShareGroups: ["x25519"] },
    );
    expect(errors).toEqual([]);
    expect(c.handshake!.helloRetry).toBe(true);
    expect(c.handshake!.group).toBe("secp256r1");
    expect(helloExtensions(clientSent.filter((m) => m[0] === 1)[1]).has(EXT_CERT_WITH_EXTERN_PSK)).toBe(true);
    expect(s.handshake!.pskIdentity).toBe("gateway-7");
    expect(s.handshake!.peerCertificates.length).toBeGreaterThan(0);
  });

  it("client: refuses a server that accepts the PSK alone (handshake_failure)", async () => {
    const { errors, c } = await handshake(
      { ...serverBase, externalPsks: [{ identity: "gateway-7", key: KEY }] },
      { ...clientBase, externalPsk: PSK },
    );
    const local = errors.find((e) => e.origin === "local")!;
    expect(local.alertName).toBe("handshake_failure");
    expect(local.message).toContain("without certificates");
    expect(c.handshake).toBeNull();
  });

  it("client: refuses a server that falls back to certificates alone (handshake_failure)", async () => {
    const { errors } = await handshake({ ...serverBase }, { ...clientBase, externalPsk: PSK });
    const local = errors.find((e) => e.origin === "local")!;
    expect(local.alertName).toBe("handshake_failure");
    expect(local.message).toContain("RFC 8773");
  });

  it("server: passes over a withCertificates PSK that a client offers alone, and authenticates by certificate", async () => {
    const { s, c, errors, clientReceived } = await handshake(
      { ...serverBase, clientAuth: "require", externalPsks: [PSK] },
      { ...clientBase, externalPsk: { identity: "gateway-7", key: KEY } },
    );
    expect(errors).toEqual([]);
    expect(helloExtensions(clientReceived[0]).has(41)).toBe(false);
    expect(s.handshake!.pskIdentity).toBeNull();
    expect(s.handshake!.peerCertificates.length).toBeGreaterThan(0);
    expect(c.handshake!.peerCertificates.length).toBeGreaterThan(0);
  });

  it("server: a plain PSK answers a client that asks for the combination without it", async () => {
    const { s, errors, clientReceived } = await handshake(
      { ...serverBase, externalPsks: [{ identity: "gateway-7", key: KEY }] },
      { ...clientBase, externalPsk: PSK },
    );
    // The server did not agree (RFC 8773 lets it), so its ServerHello carries no extension...
    expect(helloExtensions(clientReceived[0]).has(EXT_CERT_WITH_EXTERN_PSK)).toBe(false);
    // ... and the client refused, as configured; the server heard why.
    const remote = errors.find((e) => e.origin === "remote")!;
    expect(remote.alertName).toBe("handshake_failure");
    expect(s.handshake).toBeNull();
  });

  it("rejects configurations that cannot work", () => {
    expect(() => new ClientConnection({ serverName: "x", externalPsk: PSK })).toThrow(/trustAnchors/);
    expect(() => new ClientConnection({ ...clientBase, externalPsk: PSK, pskKeyExchangeModes: ["psk_ke"] })).toThrow(/psk_dhe_ke/);
    expect(() => new ServerConnection({ externalPsks: [PSK] })).toThrow(/withCertificates/);
  });

  // Skipped only where tshark is not installed (.ci/run installs it).
  it.skipIf(!TSHARK)("Wireshark finds the extension in both hellos and decrypts the certificate flight with our key log", () => {
    const pcap = new PcapConversation();
    const keyLog: string[] = [];
    const server = new ServerConnection({ ...serverBase, clientAuth: "require", externalPsks: [PSK] });
    const client = new ClientConnection({ ...clientBase, externalPsk: PSK, keyLog: (l) => keyLog.push(l) });
    pumpRecorded(client, server, pcap);
    expect(client.handshake?.pskIdentity).toBe("gateway-7");
    const dir = mkdtempSync(join(tmpdir(), "mutls-8773-"));
    dirs.push(dir);
    const pcapPath = join(dir, "session.pcap");
    const keylogPath = join(dir, "keylog.txt");
    pcap.write(pcapPath);
    writeFileSync(keylogPath, keyLog.join("\n") + "\n");
    const tshark = (extra: string[]): string =>
      execFileSync("tshark", ["-n", "-r", pcapPath, "-d", `tcp.port==${PCAP_SERVER_PORT},tls`, ...extra], { encoding: "utf8", timeout: 60_000 });
    // Extension types per hello, as Wireshark parses them.
    const hellos = tshark(["-Y", "tls.handshake.type == 1 || tls.handshake.type == 2", "-T", "fields", "-e", "tls.handshake.type", "-e", "tls.handshake.extension.type"])
      .trim()
      .split("\n")
      .map((line) => line.split("\t"));
    expect(hellos.map(([type]) => type)).toEqual(["1", "2"]);
    for (const [, types] of hellos) expect(types.split(",")).toEqual(expect.arrayContaining(["33", "41"]));
    // Decrypted with our key log: CertificateRequest (13), Certificate (11) and CertificateVerify (15).
    const types = tshark(["-o", `tls.keylog_file:${keylogPath}`, "-T", "fields", "-e", "tls.handshake.type"]).split(/[\s,]+/).filter((t) => t !== "");
    expect(types).toEqual(expect.arrayContaining(["13", "11", "15", "20"]));
    // Without it, none of them: the oracle can fail.
    const blind = tshark(["-T", "fields", "-e", "tls.handshake.type"]).split(/[\s,]+/).filter((t) => t !== "");
    expect(blind).not.toContain("11");
  });
});
