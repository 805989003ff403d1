/**
 * The per-handshake verification budget (limits.maxVerificationCost): what a peer
 * that has not authenticated can make us compute for its certificates is charged before it is
 * done, weighted by key type and size, and running out is bad_certificate naming the limit.
 *
 * The hostile flight: a leaf and nine self-issued "CN=mesh" CAs with P-384 keys, each signed by
 * the next (the peer holds every key, so every link it made verifies). Each CA is a candidate
 * issuer for the leaf and for every other CA, so path building tries dozens of P-384 signatures
 * and never reaches a trust anchor. Before the budget, only maxSignatureChecks (64, one unit per
 * check whatever the key) bounded it.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ClientConnection, ServerConnection, TLSError } from "../../src/index.js";
import { DEFAULT_LIMITS, resolveConfig } from "../../src/handshake/config.js";
import { pureProvider } from "../../src/crypto/pure.js";
import { DEFAULT_VERIFICATION_COST, VerificationBudget, parseCertificate, verifyCertificateChain } from "../../src/x509/index.js";
import { CA_PEM, clientCredential, pemToDer, serverCredential } from "../helpers/fixtures.js";
import { pumpMemory } from "../helpers/pump.js";
import { exchange } from "../helpers/scripted-peer.js";
import { expectFailure, makePair } from "../negative/setup.js";
import * as d from "../x509/der-builder.js";

const MESH_SIZE = 9;
const mesh = d.name("mesh");
// Every CA carries the same subjectKeyIdentifier and the leaf names it, so key identifiers
// narrow nothing (RFC 5280 §4.2.1.1/2 require them, and a peer may choose any value).
const keyId = Uint8Array.of(1, 2, 3, 4);
const ski = d.extension("2.5.29.14", d.octets(keyId));
const aki = d.extension("2.5.29.35", d.seq(d.implicitPrim(0, keyId)));
const caBasics = d.extension("2.5.29.19", d.seq(d.bool(true)), true);
const spkiOf = (key: KeyObject) => new Uint8Array(createPublicKey(key).export({ format: "der", type: "spki" }));

/** The leaf (with `leafKeyPem`'s public key) followed by the nine mesh CAs, all named `name`. */
function hostileFlight(leafKeyPem: string, name: Uint8Array = mesh): Uint8Array[] {
  const keys = Array.from({ length: MESH_SIZE }, () => generateKeyPairSync("ec", { namedCurve: "P-384" }).privateKey);
  const cas = keys.map((key, i) =>
    d.certificate(d.tbs({ serial: d.int(100 + i), issuer: name, subject: name, spki: spkiOf(key), extensions: [caBasics, ski] }), d.ecdsaSha256(), keys[(i + 1) % MESH_SIZE]),
  );
  const leafTbs = d.tbs({ issuer: name, subject: d.name("localhost"), spki: spkiOf(createPrivateKey(leafKeyPem)), extensions: [aki] });
  return [d.certificate(leafTbs, d.ecdsaSha256(), keys[0]), ...cas];
}

function verify(chain: Uint8Array[], budget?: VerificationBudget): TLSError | null {
  try {
    verifyCertificateChain({ chain, trustAnchors: pemToDer(CA_PEM).map((der) => parseCertificate(der)), now: new Date(), provider: pureProvider, purpose: "clientAuth", budget });
    return null;
  } catch (e) {
    if (!(e instanceof TLSError)) throw e;
    return e;
  }
}

describe("limits.maxVerificationCost", () => {
  it("defaults to 64 units, one unit being one ECDSA P-256 verification", () => {
    expect(DEFAULT_LIMITS.maxVerificationCost).toBe(64);
    expect(DEFAULT_VERIFICATION_COST).toBe(64);
  });

  it("path validation stops a mesh of P-384 candidate issuers at the budget, before maxSignatureChecks", () => {
    const flight = hostileFlight(clientCredential("p256").keyPem);
    const budget = new VerificationBudget();
    const error = verify(flight, budget);
    expect(error?.alertName).toBe("bad_certificate");
    expect(error?.message).toMatch(/exceeded limits\.maxVerificationCost \(64 units/);
    expect(budget.used).toBeLessThanOrEqual(64);
    // With room to spare, the same flight fails on its own terms: no path reaches a trust anchor.
    const roomy = verify(flight, new VerificationBudget(10_000));
    expect(roomy?.message).not.toMatch(/maxVerificationCost/);
  });

  it("a clientAuth \"require\" server refuses the hostile client flight with bad_certificate naming the limit", () => {
    const client = clientCredential("p256");
    // The server does not list its CAs, so our client sends the chain (a hostile one would anyway).
    const p = makePair({ client: { certificateChain: hostileFlight(client.keyPem), privateKey: client.keyPem }, server: { advertiseCertificateAuthorities: false } });
    const x = exchange(p.client, p.server);
    expectFailure(p, x, "server", "bad_certificate");
    expect(x.serverError!.message).toMatch(/limits\.maxVerificationCost/);
  });

  it("a client refuses the same flight from a server", () => {
    const server = serverCredential("p256");
    const p = makePair({ server: { certificateChain: hostileFlight(server.keyPem), privateKey: server.keyPem }, client: { serverName: "localhost" } });
    const x = exchange(p.client, p.server);
    expectFailure(p, x, "client", "bad_certificate");
    expect(x.clientError!.message).toMatch(/limits\.maxVerificationCost/);
  });

  it("the CertificateVerify signature is charged to the same budget", () => {
    // The fixture chain (leaf and CA, P-256) costs about two units to validate; the client's
    // CertificateVerify is one more, past a limit of 2.
    const ok = makePair({ client: { serverName: "localhost" }, server: { limits: { maxVerificationCost: 4 } } });
    const fine = exchange(ok.client, ok.server);
    expect(fine.serverError ?? fine.clientError).toBeNull();
    const p = makePair({ client: { serverName: "localhost" }, server: { limits: { maxVerificationCost: 2 } } });
    const x = exchange(p.client, p.server);
    expectFailure(p, x, "server", "bad_certificate");
    expect(x.serverError!.message).toMatch(/limits\.maxVerificationCost \(2 units.*the client's CertificateVerify signature needs 1 more/);
  });
});

describe("post-handshake authentication", () => {
  it("each server request has its own budget, and the hostile flight ends in bad_certificate naming it", async () => {
    const cred = clientCredential("p256");
    const server = new ServerConnection({ certificateChain: serverCredential("p256").certPem, privateKey: serverCredential("p256").keyPem, trustAnchors: CA_PEM, advertiseCertificateAuthorities: false });
    // The request names our CA (certificate_authorities), so the mesh CAs take its name for our client to send them.
    const caName = parseCertificate(pemToDer(CA_PEM)[0]).subject.der;
    const client = new ClientConnection({ serverName: "localhost", trustAnchors: CA_PEM, postHandshakeAuth: true, certificateChain: hostileFlight(cred.keyPem, caName), privateKey: cred.keyPem });
    expect((await pumpMemory(client, server)).errors).toEqual([]);
    const identity = server.requestClientCertificate();
    identity.catch(() => undefined);
    const { errors } = await pumpMemory(client, server);
    const local = errors.find((e) => e.error.origin === "local")?.error;
    expect(local?.alertName).toBe("bad_certificate");
    expect(local?.message).toMatch(/limits\.maxVerificationCost/);
    await expect(identity).rejects.toThrow(/maxVerificationCost/);
  });
});

describe("minRsaModulusBits", () => {
  it("defaults to 2048 and is checked when the config is read (1024 to 8192)", () => {
    expect(resolveConfig({}).minRsaModulusBits).toBe(2048);
    expect(resolveConfig({ minRsaModulusBits: 3072 }).minRsaModulusBits).toBe(3072);
    expect(() => resolveConfig({ minRsaModulusBits: 512 })).toThrow(/minRsaModulusBits/);
    expect(() => resolveConfig({ minRsaModulusBits: 16384 })).toThrow(/minRsaModulusBits/);
  });

  it("a server requiring 3072-bit RSA refuses the RSA-2048 client certificate with bad_certificate; the default accepts it", () => {
    const rsa = clientCredential("rsa2048");
    const client = { serverName: "localhost", certificateChain: rsa.certPem, privateKey: rsa.keyPem };
    const strict = makePair({ client, server: { minRsaModulusBits: 3072 } });
    const x = exchange(strict.client, strict.server);
    expectFailure(strict, x, "server", "bad_certificate");
    expect(x.serverError!.message).toMatch(/has a 2048-bit RSA key; mutls requires at least 3072 bits \(minRsaModulusBits\)/);
    const usual = makePair({ client });
    const y = exchange(usual.client, usual.server);
    expect(y.serverError ?? y.clientError).toBeNull();
  });
});
