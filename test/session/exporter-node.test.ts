/**
 * Exporters (RFC 8446 §7.5). RFC 8448 has no exporter vectors, so OpenSSL (through Node's
 * `tlsSocket.exportKeyingMaterial`) is the oracle: both ends of one connection, ours and
 * OpenSSL's, must export identical bytes, in both roles, for every cipher suite (SHA-384
 * included), with and without a context.
 */
import * as net from "node:net";
import * as tls from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import type { CipherSuiteName, SecureConnection } from "../../src/index.js";
import { connectTcp, createMtlsServer } from "../../src/node/index.js";
import { CA_PEM, clientCredential, serverCredential } from "../helpers/fixtures.js";
import { clientOptions, serverOptions } from "../transport/helpers.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const SUITES: CipherSuiteName[] = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"];
const CASES = [
  { label: "EXPERIMENTAL-mutls", context: undefined, length: 32 },
  { label: "EXPERIMENTAL-mutls", context: new Uint8Array([1, 2, 3, 4]), length: 64 },
  { label: "EXPORTER-Channel-Binding", context: undefined, length: 32 }, // RFC 9266 tls-exporter
  { label: "x", context: new Uint8Array(0), length: 200 },
];

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** OpenSSL's SSL_export_keying_material through Node; without a context it passes use_context = 0. */
function nodeExport(socket: tls.TLSSocket, c: (typeof CASES)[number]): Buffer {
  if (c.context !== undefined) return socket.exportKeyingMaterial(c.length, c.label, Buffer.from(c.context));
  // Node's typings make the context mandatory; at run time it is optional.
  return (socket.exportKeyingMaterial as (length: number, label: string) => Buffer).call(socket, c.length, c.label);
}

describe("exportKeyingMaterial against OpenSSL (Node tls)", () => {
  for (const suite of SUITES) {
    it(`our client and an OpenSSL server export the same bytes (${suite})`, async () => {
      const s = serverCredential("p256");
      const nodeSide = new Promise<tls.TLSSocket>((resolve) => {
        const server = tls.createServer({ cert: s.certPem, key: s.keyPem, ca: CA_PEM, requestCert: true, minVersion: "TLSv1.3" }, resolve);
        cleanups.push(() => new Promise((r) => server.close(r)));
        server.listen(0, "127.0.0.1", () => startClient((server.address() as net.AddressInfo).port));
      });
      let ours: Promise<SecureConnection> = new Promise(() => undefined);
      const startClient = (port: number): void => {
        ours = connectTcp({ ...clientOptions("p256"), host: "127.0.0.1", port, config: { cipherSuites: [suite] } });
      };
      const socket = await nodeSide;
      const client = await ours;
      cleanups.push(() => socket.destroy(), () => client.close());
      for (const c of CASES) {
        const theirs = nodeExport(socket, c);
        expect(hex(client.exportKeyingMaterial(c.length, c.label, c.context))).toBe(hex(theirs));
      }
      // Different labels give different values (the oracle above would not notice a constant).
      expect(hex(client.exportKeyingMaterial(32, "a"))).not.toBe(hex(client.exportKeyingMaterial(32, "b")));
    });

    it(`our server and an OpenSSL client export the same bytes (${suite})`, async () => {
      let ours: (c: SecureConnection) => void = () => undefined;
      const accepted = new Promise<SecureConnection>((resolve) => (ours = resolve));
      const server = createMtlsServer(serverOptions("p256", { config: { cipherSuites: [suite] } }), (c) => ours(c));
      cleanups.push(() => server.close());
      const { port } = await server.listen(0, "127.0.0.1");
      const c = clientCredential("p256");
      const socket = tls.connect({ host: "127.0.0.1", port, servername: "localhost", ca: CA_PEM, cert: c.certPem, key: c.keyPem, minVersion: "TLSv1.3" });
      cleanups.push(() => socket.destroy());
      await new Promise<void>((resolve, reject) => socket.once("secureConnect", resolve).once("error", reject));
      const connection = await accepted;
      for (const x of CASES) {
        const theirs = nodeExport(socket, x);
        expect(hex(connection.exportKeyingMaterial(x.length, x.label, x.context))).toBe(hex(theirs));
      }
    });
  }

  it("refuses an empty label and a length beyond HKDF's limit", async () => {
    const s = serverCredential("p256");
    const server = tls.createServer({ cert: s.certPem, key: s.keyPem, ca: CA_PEM, requestCert: true }, () => undefined);
    cleanups.push(() => new Promise((r) => server.close(r)));
    const port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
    const client = await connectTcp({ ...clientOptions("p256"), host: "127.0.0.1", port, config: { cipherSuites: ["TLS_AES_128_GCM_SHA256"] } });
    cleanups.push(() => client.close());
    expect(() => client.exportKeyingMaterial(32, "")).toThrow(RangeError);
    // RFC 5869 §2.3: L <= 255 * HashLen.
    expect(client.exportKeyingMaterial(255 * 32, "l").length).toBe(255 * 32);
    expect(() => client.exportKeyingMaterial(255 * 32 + 1, "l")).toThrow(RangeError);
    // The RFC's TLS-Exporter(label, context, length) order, as a caller coming from the RFC would write it.
    const rfcOrder = client.exportKeyingMaterial as unknown as (label: string, context: undefined, length: number) => Uint8Array;
    expect(() => rfcOrder.call(client, "EXPERIMENTAL x", undefined, 32)).toThrow(/takes \(length, label, context\), as Node's tls does/);
  });
});
