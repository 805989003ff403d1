/**
 * TLSError.reason: each failure a program may want to act on carries its documented code, on
 * the side that detected it; the side that received the alert sees `peer_alert`. The scenarios
 * are real handshakes between our client and server (the alerts themselves are checked against
 * OpenSSL and GnuTLS in test/peers/); the guide's list of reasons is the one in the type.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TLSError, type Transport, accept, connect, memoryTransportPair, type TLSErrorReason } from "../../src/index.js";
import { CA_PEM, UNTRUSTED_CA_PEM, clientCredential, credential, mutualCredentials, serverCredential } from "../helpers/fixtures.js";
import { newPair, pump, type PairOptions } from "../helpers/pair.js";

interface Outcome {
  client: TLSError | null;
  server: TLSError | null;
}

function handshake(opts: PairOptions, creds = mutualCredentials("p256")): Outcome {
  const pair = newPair(creds, opts);
  try {
    pump(pair);
  } catch (e) {
    if (!(e instanceof TLSError)) throw e;
  }
  // The side that failed queued its alert: deliver it, so the other side sees it too.
  const alertToClient = pair.server.takeOutput();
  const alertToServer = pair.client.takeOutput();
  for (const [to, bytes] of [
    [pair.client, alertToClient],
    [pair.server, alertToServer],
  ] as const) {
    if (bytes === null || to.error !== null) continue;
    try {
      to.receive(bytes);
    } catch (e) {
      if (!(e instanceof TLSError)) throw e;
    }
  }
  return { client: pair.client.error, server: pair.server.error };
}

const summary = (e: TLSError | null) => (e === null ? null : `${e.origin} ${e.alertName} ${e.reason}`);

describe("TLSError.reason", () => {
  it("a client certificate from an unknown CA: certificate_untrusted (unknown_ca) on the server", () => {
    const untrusted = credential("untrusted-client");
    // Without certificate_authorities in the CertificateRequest, the client sends the chain it has.
    const o = handshake(
      { server: { advertiseCertificateAuthorities: false } },
      { ...mutualCredentials("p256"), clientCert: untrusted.certPem, clientKey: untrusted.keyPem },
    );
    expect(summary(o.server)).toBe("local unknown_ca certificate_untrusted");
    expect(summary(o.client)).toBe("remote unknown_ca peer_alert");
  });

  it("a server certificate for another name: name_mismatch on the client", () => {
    const o = handshake({ client: { serverName: "other.example" } });
    expect(summary(o.client)).toBe("local bad_certificate name_mismatch");
  });

  it("certificates checked after their notAfter: certificate_expired", () => {
    const o = handshake({ client: { now: () => new Date("2199-01-01T00:00:00Z") } });
    expect(summary(o.client)).toBe("local certificate_expired certificate_expired");
  });

  it("a client refused by authorizePeer: not_authorized (access_denied)", () => {
    const o = handshake({ server: { authorizePeer: () => "not on the list" } });
    expect(summary(o.server)).toBe("local access_denied not_authorized");
  });

  it("no client certificate where one is required: certificate_required", () => {
    const o = handshake({ client: { certificateChain: undefined, privateKey: undefined } });
    expect(summary(o.server)).toBe("local certificate_required certificate_required");
  });

  it("no cipher suite in common: no_common_parameters (handshake_failure)", () => {
    const o = handshake({ client: { cipherSuites: ["TLS_AES_128_GCM_SHA256"] }, server: { cipherSuites: ["TLS_CHACHA20_POLY1305_SHA256"] } });
    expect(summary(o.server)).toBe("local handshake_failure no_common_parameters");
  });

  it("a chain that costs more than limits.maxVerificationCost: limit_exceeded", () => {
    // A P-384 client chain costs 3 units per signature; one unit is all this server allows.
    const creds = { ...mutualCredentials("p256"), clientCert: clientCredential("p384").certPem, clientKey: clientCredential("p384").keyPem };
    const o = handshake({ server: { limits: { maxVerificationCost: 1 } } }, creds);
    expect(summary(o.server)).toBe("local bad_certificate limit_exceeded");
    expect(o.server?.message).toMatch(/limits\.maxVerificationCost/);
  });

  it("a tampered handshake record: integrity_failure", () => {
    const pair = newPair(mutualCredentials("p256"));
    pair.server.receive(pair.client.takeOutput() ?? new Uint8Array(0));
    const flight = pair.server.takeOutput() ?? new Uint8Array(0);
    flight[flight.length - 1] ^= 1; // the last byte of the last protected record's tag
    expect(() => pair.client.receive(flight)).toThrow(TLSError);
    expect(summary(pair.client.error)).toBe("local bad_record_mac integrity_failure");
  });

  it("a server whose client leaves without a byte says so (a probe), and one cut in the middle of its ClientHello's record says that", async () => {
    const server = serverCredential("p256");
    const refusal = async (bytes: Uint8Array | null): Promise<TLSError> => {
      const [a, b] = memoryTransportPair();
      const accepting = accept(b, { cert: server.certPem, key: server.keyPem });
      if (bytes !== null) await a.write(bytes);
      await a.close();
      const error = await accepting.then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TLSError);
      expect((error as TLSError).reason).toBe("peer_closed");
      return error as TLSError;
    };
    const silent = await refusal(null);
    expect(silent.message).toMatch(/closed the connection before sending a ClientHello/);
    expect(silent.alertName).toBe("handshake_failure");
    // A handshake record header announcing 5 bytes, and only 2 of them.
    const cut = await refusal(Uint8Array.of(0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00));
    expect(cut.message).toMatch(/ended in the middle of a TLS record: during the handshake/);
    expect(cut.alertName).toBe("decode_error");
  });

  it("a transport that ends during the handshake: peer_closed; a handshake that never ends: timeout", async () => {
    const server = serverCredential("p256");
    const [a, b] = memoryTransportPair();
    const client = connect(a, { servername: "localhost", ca: CA_PEM });
    await b.close();
    const closed = await client.then(
      () => null,
      (e: unknown) => e,
    );
    expect(closed).toBeInstanceOf(TLSError);
    expect((closed as TLSError).reason).toBe("peer_closed");
    expect((closed as TLSError).message).toMatch(/may not speak TLS 1\.3, or refused our offer/);

    const [c, d] = memoryTransportPair();
    const silent = accept(c, { cert: server.certPem, key: server.keyPem, ca: UNTRUSTED_CA_PEM, handshakeTimeoutMs: 50 });
    const timedOut = await silent.then(
      () => null,
      (e: unknown) => e,
    );
    await d.close();
    expect(timedOut).toBeInstanceOf(TLSError);
    expect((timedOut as TLSError).reason).toBe("timeout");
  });

  it("a transport that fails underneath TLS: transport_failure, origin transport, and no alert sent on it", async () => {
    const written: Uint8Array[] = [];
    let reads = 0;
    const failing: Transport = {
      read: () => (reads++ === 0 ? Promise.reject(new Error("read ECONNRESET")) : Promise.resolve(null)),
      write: (chunk) => {
        written.push(chunk);
        return Promise.resolve();
      },
      close: () => Promise.resolve(),
    };
    const failed = await connect(failing, { servername: "localhost", ca: CA_PEM }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(failed).toBeInstanceOf(TLSError);
    const error = failed as TLSError;
    expect([error.origin, error.reason]).toEqual(["transport", "transport_failure"]);
    expect(error.message).toContain("read ECONNRESET");
    // Only the ClientHello went out: no alert record (content type 21) followed the failure.
    expect(written.map((chunk) => chunk[0])).toEqual([22]);
  });

  it("the guide (docs/guide.md) documents exactly the reasons of the TLSErrorReason type", () => {
    const source = readFileSync(new URL("../../src/bytes/tls-error.ts", import.meta.url), "utf8");
    const start = source.indexOf("export type TLSErrorReason");
    const union = source.slice(start, source.indexOf("\n\n", start));
    const declared = [...union.matchAll(/\| "([a-z_]+)"/g)].map((m) => m[1]).sort();
    const guide = readFileSync(new URL("../../docs/guide.md", import.meta.url), "utf8");
    const section = guide.slice(guide.indexOf("## Errors"), guide.indexOf("## Limits"));
    const documented = [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]).sort();
    expect(declared.length).toBeGreaterThan(10);
    expect(documented).toEqual(declared);
    const typed: TLSErrorReason[] = declared as TLSErrorReason[];
    expect(typed).toContain("peer_alert");
  });
});
