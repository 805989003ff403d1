/**
 * Post-handshake client authentication (RFC 8446 §4.6.2) between our client and server, checked
 * against the RFC's rules and against node:crypto's reading of the certificate the client proved.
 * (OpenSSL and GnuTLS clients answer our server in test/peers/*-connection-features.test.ts.)
 */
import { X509Certificate, createPrivateKey, sign as nodeSign } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ClientConnection, ServerConnection, TLSError, type Signer } from "../../src/index.js";
import { mutualCredentials, readPem } from "../helpers/fixtures.js";
import { newPair } from "../helpers/pair.js";
import { pumpMemory } from "../helpers/pump.js";

const ca = readPem("ca.cert.pem");

/** A server that asks for no certificate during the handshake, and an Ed25519 client offering post_handshake_auth. */
function pair(client: { postHandshakeAuth?: boolean; withCertificate?: boolean } = {}) {
  return newPair(mutualCredentials("p256", "ed25519"), {
    server: { clientAuth: "none" },
    client: {
      postHandshakeAuth: client.postHandshakeAuth ?? true,
      ...(client.withCertificate === false ? { certificateChain: undefined, privateKey: undefined } : {}),
    },
  });
}

/** The SAN URI node:crypto reads from the client's certificate. */
const clientUri = (): string => /URI:([^,]+)/.exec(new X509Certificate(readPem("client-ed25519.cert.pem")).subjectAltName ?? "")![1];

describe("post-handshake client authentication", () => {
  it("asks an established client for its certificate and updates the peer identity", async () => {
    const { client, server } = pair();
    expect((await pumpMemory(client, server)).errors).toEqual([]);
    expect(server.handshake?.peerIdentity).toBeNull();
    expect(server.peerOffersPostHandshakeAuth).toBe(true);
    client.write(new TextEncoder().encode("before"));
    const identity = server.requestClientCertificate();
    expect(server.clientAuthenticationPending).toBe(true);
    expect((await pumpMemory(client, server)).errors).toEqual([]);
    const proved = await identity;
    expect(proved?.uris).toEqual([clientUri()]);
    expect(server.handshake?.peerIdentity?.uris).toEqual([clientUri()]);
    expect(server.handshake?.peerSignatureScheme).toBe("ed25519");
    expect(server.clientAuthenticationPending).toBe(false);
    // The connection carries on, and a second request works too (its own context and transcript).
    const again = server.requestClientCertificate();
    expect((await pumpMemory(client, server)).errors).toEqual([]);
    expect((await again)?.uris).toEqual([clientUri()]);
    server.write(new TextEncoder().encode("after"));
    await pumpMemory(client, server);
    expect(new TextDecoder().decode(client.read()!)).toBe("after");
    expect(new TextDecoder().decode(server.read()!)).toBe("before");
  });

  it("resolves null when the client has no certificate to send (an empty Certificate, §4.4.2)", async () => {
    const { client, server } = pair({ withCertificate: false });
    await pumpMemory(client, server);
    const identity = server.requestClientCertificate();
    expect((await pumpMemory(client, server)).errors).toEqual([]);
    expect(await identity).toBeNull();
    expect(server.handshake?.peerIdentity).toBeNull();
  });

  it("refuses to ask a client that did not offer post_handshake_auth (§4.6.2)", async () => {
    const { client, server } = pair({ postHandshakeAuth: false });
    await pumpMemory(client, server);
    expect(server.peerOffersPostHandshakeAuth).toBe(false);
    expect(() => server.requestClientCertificate()).toThrow(/did not offer post_handshake_auth/);
  });

  it("a client that did not offer it answers a CertificateRequest with unexpected_message", async () => {
    const { client, server } = pair({ postHandshakeAuth: false });
    await pumpMemory(client, server);
    // Make the server believe it was offered (a broken server would send the request anyway).
    const session = (server as unknown as { session: { init: { postHandshakeAuth: { offered: boolean } } } }).session;
    session.init.postHandshakeAuth.offered = true;
    void server.requestClientCertificate().catch(() => undefined);
    let error: unknown;
    try {
      client.receive(server.takeOutput()!);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TLSError);
    expect((error as TLSError).alertName).toBe("unexpected_message");
  });

  it("a client whose only certificate is from a CA the server does not name sends none (§4.2.4 certificate_authorities)", async () => {
    const server = new ServerConnection({ certificateChain: readPem("server-p256.cert.pem"), privateKey: readPem("server-p256.key.pem"), trustAnchors: ca });
    const notSent: string[] = [];
    const client = new ClientConnection({
      serverName: "localhost",
      trustAnchors: ca,
      postHandshakeAuth: true,
      certificateChain: readPem("untrusted-client.cert.pem"),
      privateKey: readPem("untrusted-client.key.pem"),
      onClientCertificateNotSent: (reason) => notSent.push(reason),
    });
    await pumpMemory(client, server);
    const identity = server.requestClientCertificate();
    expect((await pumpMemory(client, server)).errors).toEqual([]);
    expect(await identity).toBeNull();
    expect(notSent.join()).toContain("certificate_authorities");
  });

  it("keys the client's Finished with its current secret when a KeyUpdate overtakes an asynchronous signature (§4.4)", async () => {
    // An Ed25519 signer (node:crypto) that answers only when the test lets it.
    const key = createPrivateKey(readPem("client-ed25519.key.pem"));
    let release: () => void = () => undefined;
    const signer: Signer = {
      schemes: ["ed25519"],
      sign: (_scheme, message) => new Promise<Uint8Array>((resolve) => (release = () => resolve(new Uint8Array(nodeSign(null, message, key))))),
    };
    const server = new ServerConnection({ certificateChain: readPem("server-p256.cert.pem"), privateKey: readPem("server-p256.key.pem"), trustAnchors: ca });
    const client = new ClientConnection({ serverName: "localhost", trustAnchors: ca, postHandshakeAuth: true, certificateChain: readPem("client-ed25519.cert.pem"), signer });
    // The handshake itself needs no client signature: the server does not ask during it.
    expect((await pumpMemory(client, server)).errors).toEqual([]);
    const identity = server.requestClientCertificate();
    client.receive(server.takeOutput()!);
    expect(client.pending).not.toBeNull();
    // While the signature is pending the client moves its write key on (client_application_traffic_secret_1).
    client.keyUpdate(false);
    server.receive(client.takeOutput()!);
    release();
    await client.pending;
    // The Finished that follows must be keyed by secret_1, the one the server now reads with.
    server.receive(client.takeOutput()!);
    expect((await identity)?.uris).toEqual([clientUri()]);
    expect(server.handshake?.peerSignatureScheme).toBe("ed25519");
  });
});
