/**
 * A client checks the server's identity, not just its CA (RFC 8446 §4.4.2.4, RFC 6125 §6): a
 * client with trustAnchors must name the server (serverName / connect()'s servername), or say
 * how else it checks identity (authorizePeer, verifyPeer) or that it does not
 * (checkServerIdentity: false). Without that, any certificate the CA issued to any service was
 * accepted. The fixture server certificate is for DNS:localhost and IP:127.0.0.1 (make.sh).
 */
import * as net from "node:net";
import * as tls from "node:tls";
import { describe, expect, test } from "vitest";
import { ClientConnection, ServerConnection } from "../../src/index.js";
import { connectTcp } from "../../src/node/index.js";
import { clientConfigFrom } from "../../src/transport/options.js";
import { CA_PEM, serverCredential } from "../helpers/fixtures.js";
import { pumpMemory, type ClientConfig } from "../helpers/pump.js";

const SERVER = serverCredential("p256");
const PSK = { identity: "device-17", key: new Uint8Array(32).fill(7) };

async function handshake(client: ClientConfig, server: Partial<ConstructorParameters<typeof ServerConnection>[0]> = {}) {
  const s = new ServerConnection({ certificateChain: SERVER.certPem, privateKey: SERVER.keyPem, ...server });
  const c = new ClientConnection(client);
  const { errors } = await pumpMemory(c, s);
  return { c, s, errors: errors.map((e) => `${e.side === "a" ? "client" : "server"}: ${e.error.alertName}`) };
}

describe("a client with trustAnchors needs a server name, or an explicit other way", () => {
  test("no serverName: a TypeError at construction, naming the ways out", () => {
    expect(() => new ClientConnection({ trustAnchors: CA_PEM })).toThrow(TypeError);
    expect(() => new ClientConnection({ trustAnchors: CA_PEM })).toThrow(/needs serverName.*authorizePeer\/verifyPeer.*checkServerIdentity: false/);
  });

  test("serverName of another service: the CA's certificate for localhost is refused (bad_certificate)", async () => {
    const { errors } = await handshake({ trustAnchors: CA_PEM, serverName: "payments.mutls.test" });
    expect(errors).toContain("client: bad_certificate");
  });

  test("checkServerIdentity: false accepts any certificate the anchors issued (the explicit opt-out)", async () => {
    const { c, errors } = await handshake({ trustAnchors: CA_PEM, checkServerIdentity: false });
    expect(errors).toEqual([]);
    expect(c.handshake?.serverName).toBeNull();
  });

  test("authorizePeer checks identity another way: no name needed, and its verdict holds", async () => {
    const ok = await handshake({ trustAnchors: CA_PEM, authorizePeer: (id) => id.dnsNames.includes("localhost") });
    expect(ok.errors).toEqual([]);
    const refused = await handshake({ trustAnchors: CA_PEM, authorizePeer: (id) => id.dnsNames.includes("payments.mutls.test") });
    expect(refused.errors).toContain("client: access_denied");
  });

  test("verifyPeer replaces validation: no name needed", () => {
    expect(() => new ClientConnection({ verifyPeer: () => ({ subject: "", dnsNames: [], ipAddresses: [], uris: [], emails: [] }) })).not.toThrow();
  });

  test("an external PSK alone authenticates the server: no name needed", async () => {
    const { c, errors } = await handshake({ externalPsk: PSK }, { externalPsks: [PSK] });
    expect(errors).toEqual([]);
    expect(c.handshake?.serverName).toBeNull();
  });

  test("an external PSK with trustAnchors may fall back to a certificate: then a name is needed", () => {
    expect(() => new ClientConnection({ externalPsk: PSK, trustAnchors: CA_PEM })).toThrow(/needs serverName/);
  });

  test("SPKI pins without a CA pin the server's own key: no name needed", () => {
    expect(() => new ClientConnection({ spkiPins: [new Uint8Array(32)] })).not.toThrow();
  });

  test("an IP literal serverName is checked against the IP SANs", async () => {
    expect((await handshake({ trustAnchors: CA_PEM, serverName: "127.0.0.1" })).errors).toEqual([]);
    expect((await handshake({ trustAnchors: CA_PEM, serverName: "127.0.0.2" })).errors).toContain("client: bad_certificate");
  });
});

describe("serverName must be a name that can be sent and matched (RFC 6066 §3)", () => {
  test.each(["", "local host", "localhost\r\nX-Injected: 1", "café.example", "a..example", ".example", "-bad.example", "*.example.com", "localhost.."])(
    "%j is a TypeError",
    (name) => {
      expect(() => new ClientConnection({ trustAnchors: CA_PEM, serverName: name })).toThrow(TypeError);
    },
  );

  test("a trailing dot and upper case are normalised (sent and matched as localhost)", async () => {
    const { c, s, errors } = await handshake({ trustAnchors: CA_PEM, serverName: "LocalHost." });
    expect(errors).toEqual([]);
    expect(c.handshake?.serverName).toBe("localhost");
    expect(s.handshake?.serverName).toBe("localhost");
  });

  test("an A-label is accepted", () => {
    expect(() => new ClientConnection({ trustAnchors: CA_PEM, serverName: "xn--caf-dma.example" })).not.toThrow();
  });
});

describe("connect() takes the name from servername, connectTcp from the host, as Node does", () => {
  test("connect() without servername and with ca: a TypeError that names servername", () => {
    expect(() => clientConfigFrom({ ca: CA_PEM })).toThrow(/needs `servername`/);
    expect(() => clientConfigFrom({ ca: CA_PEM, servername: "localhost" })).not.toThrow();
    expect(() => clientConfigFrom({ ca: CA_PEM, config: { checkServerIdentity: false } })).not.toThrow();
    expect(() => clientConfigFrom({ ca: CA_PEM, rejectUnauthorized: false })).not.toThrow();
  });

  test("connectTcp to 127.0.0.1 with no servername checks the IP against the certificate's IP SANs", async () => {
    const server = tls.createServer({ cert: SERVER.certPem, key: SERVER.keyPem, minVersion: "TLSv1.3" }, (socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const conn = await connectTcp({ host: "127.0.0.1", port, ca: CA_PEM });
      expect(conn.handshake.serverName).toBe("127.0.0.1");
      await conn.close();
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
