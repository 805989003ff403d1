import { createPrivateKey, sign as nodeSign } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ClientConnection, ServerConnection, TLSError, type Signer } from "../../src/index.js";
import { readPem } from "../helpers/fixtures.js";
import { pumpMemory } from "../helpers/pump.js";

/**
 * Signing may be asynchronous (a non-extractable WebCrypto key, a secure element, a KMS). These
 * signers sign with node:crypto (an independent implementation) but answer only after a macrotask,
 * so the engine must pause, hold the peer's input, and resume.
 */
function delayedSigner(keyPem: string, log: string[], fail = false): Signer {
  const key = createPrivateKey(keyPem);
  return {
    schemes: ["ecdsa_secp256r1_sha256"],
    sign(scheme, message) {
      log.push(scheme);
      return new Promise<Uint8Array>((resolve, reject) =>
        setTimeout(() => (fail ? reject(new Error("the HSM is unplugged")) : resolve(new Uint8Array(nodeSign("sha256", message, key)))), 5),
      );
    },
  };
}

const ca = readPem("ca.cert.pem");

describe("asynchronous signers", () => {
  it("complete a mutual handshake when both sides sign asynchronously", async () => {
    const serverLog: string[] = [];
    const clientLog: string[] = [];
    const server = new ServerConnection({
      certificateChain: readPem("server-p256.cert.pem"),
      signer: delayedSigner(readPem("server-p256.key.pem"), serverLog),
      clientAuth: "require",
      trustAnchors: ca,
    });
    const client = new ClientConnection({
      serverName: "localhost",
      trustAnchors: ca,
      certificateChain: readPem("client-p256.cert.pem"),
      signer: delayedSigner(readPem("client-p256.key.pem"), clientLog),
    });

    // The server's flight needs its signature: after the ClientHello it must be pending.
    server.receive(client.takeOutput()!);
    expect(server.pending).not.toBeNull();
    const beforeSignature = server.takeOutput();
    await server.pending;
    expect(server.pending).toBeNull();
    const flight = server.takeOutput();
    expect(flight).not.toBeNull();
    client.receive(beforeSignature!);
    client.receive(flight!);

    // The client signs its CertificateVerify asynchronously too; the server's bytes that arrive
    // meanwhile must be held and processed afterwards.
    expect(client.pending).not.toBeNull();
    expect(client.handshakeComplete).toBe(false);
    await client.pending;
    expect(client.handshakeComplete).toBe(true);
    server.receive(client.takeOutput()!);

    expect(server.handshakeComplete).toBe(true);
    expect(serverLog).toEqual(["ecdsa_secp256r1_sha256"]);
    expect(clientLog).toEqual(["ecdsa_secp256r1_sha256"]);
    expect(server.handshake?.peerIdentity?.uris).toEqual(["spiffe://mutls.test/client/p256"]);
    expect(server.handshake?.peerSignatureScheme).toBe("ecdsa_secp256r1_sha256");
  });

  it("hold input that arrives while the signature is pending", async () => {
    const server = new ServerConnection({
      certificateChain: readPem("server-p256.cert.pem"),
      signer: delayedSigner(readPem("server-p256.key.pem"), []),
    });
    const client = new ClientConnection({ serverName: "localhost", trustAnchors: ca });
    const hello = client.takeOutput()!;
    // Deliver the ClientHello one byte at a time; the rest of the handshake then flows while the
    // server's signature is pending, and nothing may be lost or reordered.
    for (const b of hello) server.receive(new Uint8Array([b]));
    expect(server.pending).not.toBeNull();
    const result = await pumpMemory(client, server);
    expect(result.errors).toEqual([]);
    expect(client.handshakeComplete && server.handshakeComplete).toBe(true);
    client.write(new Uint8Array([7, 8, 9]));
    server.receive(client.takeOutput()!);
    expect(server.read()).toEqual(new Uint8Array([7, 8, 9]));
  });

  it("turn a failed signature into a TLSError with an alert for the peer", async () => {
    const server = new ServerConnection({
      certificateChain: readPem("server-p256.cert.pem"),
      signer: delayedSigner(readPem("server-p256.key.pem"), [], true),
    });
    const client = new ClientConnection({ serverName: "localhost", trustAnchors: ca });
    server.receive(client.takeOutput()!);
    const pending = server.pending!;
    await expect(pending).rejects.toBeInstanceOf(TLSError);
    await pending.catch((e: TLSError) => {
      expect(e.alertName).toBe("internal_error");
      expect(e.message).toContain("the HSM is unplugged");
    });
    expect(server.error?.alertName).toBe("internal_error");
    expect(() => server.receive(new Uint8Array([22]))).toThrow(TLSError);
    // The client learns why: the server's alert follows its ServerHello.
    const out = server.takeOutput()!;
    expect(() => client.receive(out)).toThrow(/internal_error/);
    expect(client.error?.origin).toBe("remote");
  });
});
