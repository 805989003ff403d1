/**
 * connect()/accept() over the in-memory transport pair: mutual authentication (identities checked
 * against node:crypto's reading of the fixtures), backpressure both ways, close_notify and
 * half-close (RFC 8446 §6.1), truncation, handshake failures and timeouts.
 */
import { describe, expect, it } from "vitest";
import { AlertDescription, TLSError, accept, connect, memoryTransportPair, type SecureConnection } from "../../src/index.js";
import { clientCredential, serverCredential } from "../helpers/fixtures.js";
import {
  clientOptions,
  countingTransport,
  cuttingTransport,
  nodeView,
  patternBytes,
  readAll,
  serverOptions,
  settle,
  sha256,
} from "./helpers.js";

async function pair(
  capacity?: number,
): Promise<{ client: SecureConnection; server: SecureConnection; serverBytesRead: () => number }> {
  const [a, b] = memoryTransportPair({ capacity });
  const counted = countingTransport(b);
  const [client, server] = await Promise.all([connect(a, clientOptions()), accept(counted.transport, serverOptions())]);
  return { client, server, serverBytesRead: counted.bytesRead };
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array | null): string | null => (b === null ? null : new TextDecoder().decode(b));

describe("the memory pair itself", () => {
  it("hands the reader the chunk the writer wrote, without a copy, in order, then null after the end", async () => {
    // A Transport's caller does not reuse a chunk it wrote (transport.ts): the pair passes chunks on
    // as they are, so a record sealed by the sender is the buffer the receiver opens in place.
    const [a, b] = memoryTransportPair();
    const first = text("one");
    const second = text("two");
    await a.write(first);
    await a.write(second);
    await a.closeWrite?.();
    expect(await b.read()).toBe(first);
    expect(await b.read()).toBe(second);
    expect(await b.read()).toBeNull();
  });
});

describe("connect/accept over the memory pair", () => {
  it("authenticates both sides and exchanges data both ways", async () => {
    const { client, server } = await pair();
    const serverCert = nodeView(serverCredential("p256").certPem);
    const clientCert = nodeView(clientCredential("p256").certPem);
    expect(client.handshake.version).toBe("TLSv1.3");
    expect(client.peer?.dnsNames).toEqual(serverCert.dnsNames);
    expect(server.peer?.uris).toEqual(clientCert.uris);
    expect(server.peer?.subject).toContain(clientCert.commonName);

    await client.write(text("ping"));
    expect(str(await server.read())).toBe("ping");
    await server.write(text("pong"));
    expect(str(await client.read())).toBe("pong");
    await Promise.all([client.close(), server.close()]);
  });

  it("says null, as the engine does, where no peer certificate was presented or given later", async () => {
    const [a, b] = memoryTransportPair();
    const [client, server] = await Promise.all([
      connect(a, { ...clientOptions(), cert: undefined, key: undefined, config: { postHandshakeAuth: true } }),
      accept(b, serverOptions("p256", { requestCert: false })),
    ]);
    expect(server.peer).toBeNull();
    expect(server.handshake.peerIdentity).toBeNull();
    // RFC 8446 §4.6.2: a client without a certificate answers with an empty Certificate.
    const asked = server.requestClientCertificate();
    await server.write(text("after the request"));
    // The client answers the request while it reads; the server reads the answer the same way.
    expect(str(await client.read())).toBe("after the request");
    await client.write(text("answered"));
    expect(str(await server.read())).toBe("answered");
    expect(await asked).toBeNull();
    expect(server.peer).toBeNull();
    await Promise.all([client.close(), server.close()]);
  });

  it("accepts PEM and DER given as bytes, and a certificate list", async () => {
    const c = clientCredential("ed25519");
    const s = serverCredential("rsa2048");
    const der = (pem: string): Uint8Array => new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64"));
    const [a, b] = memoryTransportPair();
    const [client, server] = await Promise.all([
      connect(a, { ...clientOptions(), cert: [der(c.certPem)], key: new TextEncoder().encode(c.keyPem) }),
      accept(b, { ...serverOptions(), cert: new TextEncoder().encode(s.certPem), key: s.keyPem }),
    ]);
    expect(server.peer?.uris).toEqual(nodeView(c.certPem).uris);
    expect(client.handshake.peerSignatureScheme).toBe("rsa_pss_rsae_sha256");
    await Promise.all([client.close(), server.close()]);
  });

  it("moves a large write intact while the reader sets the pace (backpressure both ways)", async () => {
    const { client, server, serverBytesRead } = await pair(4096);
    const payload = patternBytes(1 << 20);
    let written = false;
    const writing = client.write(payload).then(() => (written = true));
    await settle();
    // Nobody reads on the server: the client's write cannot complete, and the server's transport
    // was not drained beyond a few records (the bytes stay in the bounded pipe).
    expect(written).toBe(false);
    expect(serverBytesRead()).toBeLessThan(64 * 1024);

    const received = await readAll(server, payload.length);
    await writing;
    expect(received.length).toBe(payload.length);
    expect(sha256(received)).toBe(sha256(payload));
    await Promise.all([client.close(), server.close()]);
  });

  it("half-closes with close_notify: the server still answers after the client's end (RFC 8446 §6.1)", async () => {
    const { client, server } = await pair();
    await client.write(text("request"));
    await client.closeWrite();
    expect(str(await server.read())).toBe("request");
    expect(await server.read()).toBeNull(); // close_notify is a clean end
    await server.write(text("response after your close_notify"));
    await server.closeWrite();
    expect(str(await client.read())).toBe("response after your close_notify");
    expect(await client.read()).toBeNull();
    await expect(client.write(text("late"))).rejects.toThrow(/close_notify/);
    await Promise.all([client.close(), server.close()]);
  });

  it("close() sends close_notify and waits for the peer's", async () => {
    const { client, server } = await pair();
    const closing = client.close();
    expect(await server.read()).toBeNull();
    await server.close();
    await closing;
  });

  for (const [where, keep] of [
    ["in the middle of a record", (n: number) => Math.floor(n / 2)],
    ["between records, without close_notify", (_n: number) => 0],
  ] as const) {
    it(`reports a peer that vanishes ${where} as a TLSError, not an end`, async () => {
      const [a, b] = memoryTransportPair();
      const cut = cuttingTransport(a, keep);
      const [client, server] = await Promise.all([connect(cut.transport, clientOptions()), accept(b, serverOptions())]);
      cut.arm();
      await client.write(text("this record is cut")).catch(() => undefined);
      const error = await server.read().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TLSError);
      expect((error as TLSError).alert).toBe(AlertDescription.decode_error);
      expect((error as TLSError).message).toMatch(where.startsWith("in the middle") ? /middle of a TLS record/ : /without close_notify/);
      await Promise.all([client.close(), server.close()]);
    });
  }

  it("refuses a client without a certificate when one is required, on both ends", async () => {
    const [a, b] = memoryTransportPair();
    const [clientResult, serverResult] = await Promise.allSettled([
      connect(a, { ...clientOptions(), cert: undefined, key: undefined }),
      accept(b, serverOptions()),
    ]);
    expect(serverResult.status).toBe("rejected");
    const serverError = (serverResult as PromiseRejectedResult).reason as TLSError;
    expect(serverError).toBeInstanceOf(TLSError);
    expect(serverError.alertName).toBe("certificate_required");
    expect(serverError.origin).toBe("local");
    // In TLS 1.3 the client's handshake ends with its own Finished, before the server judged its
    // certificate, so the client learns of the refusal from the server's alert on its first read.
    expect(clientResult.status).toBe("fulfilled");
    const client = (clientResult as PromiseFulfilledResult<SecureConnection>).value;
    const clientError = await client.read().then(
      () => null,
      (e: unknown) => e as TLSError,
    );
    expect(clientError).toBeInstanceOf(TLSError);
    expect(clientError?.alertName).toBe("certificate_required");
    expect(clientError?.origin).toBe("remote");
  });

  it("times a handshake out through the caller's timer and closes the transport", async () => {
    const [a, b] = memoryTransportPair();
    let fire: () => void = () => undefined;
    let cancelled = false;
    const accepting = accept(b, {
      ...serverOptions(),
      handshakeTimeoutMs: 1000,
      scheduleTimeout: (_ms, onTimeout) => {
        fire = onTimeout;
        return () => (cancelled = true);
      },
    });
    await settle();
    fire(); // the peer (a) never sends a ClientHello
    const error = await accepting.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TLSError);
    expect((error as TLSError).alertName).toBe("user_canceled");
    expect(cancelled).toBe(true);
    expect(await a.read()).toBeNull(); // the server closed its transport
  });

  it("times a handshake out with the runtime's setTimeout by default", async () => {
    const [a, b] = memoryTransportPair();
    const error = await connect(a, { ...clientOptions(), handshakeTimeoutMs: 50 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TLSError);
    expect((error as TLSError).message).toMatch(/did not complete within 50 ms/);
    await b.close();
  });

  it("reports a transport that ends during the handshake", async () => {
    const [a, b] = memoryTransportPair();
    const connecting = connect(a, clientOptions());
    expect(await b.read()).not.toBeNull(); // the ClientHello
    await b.close();
    await expect(connecting).rejects.toThrow(/closed the connection during the handshake/);
  });

  it("needs a trust anchor unless told otherwise", async () => {
    const [a] = memoryTransportPair();
    await expect(connect(a, { servername: "localhost" })).rejects.toThrow(/needs `ca`/);
  });
});
