/**
 * The seed corpus: real bytes from outside truth and from live handshakes.
 * - RFC 8448: every handshake message and record of its five traces (vectors/rfc8448/*.json);
 * - our own pinned mutual handshake (test/property/golden.ts): records, messages, extensions;
 * - Node's tls: a ClientHello it sends, and the first flight a Node tls server answers;
 * - X.509: the committed fixtures (test/fixtures) and x509-limbo's certificates and CRLs.
 */
import { readFileSync, readdirSync } from "node:fs";
import * as net from "node:net";
import * as tls from "node:tls";
import { decodePem } from "../../src/x509/index.js";

const ROOT = new URL("../../", import.meta.url);

function hexBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, "hex"));
}

interface Rfc8448Item {
  label: string;
  hex: string;
}

/** RFC 8448 bytes by label ("ClientHello", "complete record", ...), from every trace. */
export function rfc8448Items(): Map<string, Uint8Array[]> {
  const dir = new URL("vectors/rfc8448/", ROOT);
  const out = new Map<string, Uint8Array[]>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
    const trace = JSON.parse(readFileSync(new URL(file, dir), "utf8")) as { steps: { items: Rfc8448Item[] }[] };
    for (const step of trace.steps) {
      for (const item of step.items) {
        if (!item.hex) continue;
        const list = out.get(item.label) ?? [];
        list.push(hexBytes(item.hex));
        out.set(item.label, list);
      }
    }
  }
  return out;
}

/** Handshake type code -> bodies of that message in RFC 8448 (framed messages start with the type). */
export function rfc8448Messages(): Map<number, Uint8Array[]> {
  const labels = ["ClientHello", "ServerHello", "EncryptedExtensions", "CertificateRequest", "Certificate", "CertificateVerify", "Finished", "NewSessionTicket", "HelloRetryRequest"];
  const items = rfc8448Items();
  const out = new Map<number, Uint8Array[]>();
  for (const label of labels) {
    for (const framed of items.get(label) ?? []) {
      if (framed.length < 4) continue;
      const list = out.get(framed[0]) ?? [];
      list.push(framed.subarray(4).slice());
      out.set(framed[0], list);
    }
  }
  return out;
}

/** RFC 8448's complete records (plaintext and protected), for the record layer. */
export function rfc8448Records(): Uint8Array[] {
  return rfc8448Items().get("complete record") ?? [];
}

/** PEM blocks of test/fixtures (certificates, keys). */
export function fixturePems(): { certificates: string[]; keys: string[] } {
  const certificates: string[] = [];
  const keys: string[] = [];
  for (const sub of ["test/fixtures/certs/", "test/fixtures/x509/certs/", "test/fixtures/x509/keys/"]) {
    const dir = new URL(sub, ROOT);
    for (const file of readdirSync(dir)) {
      if (!file.endsWith(".pem")) continue;
      const text = readFileSync(new URL(file, dir), "utf8");
      if (text.includes("PRIVATE KEY")) keys.push(text);
      else if (text.includes("CERTIFICATE")) certificates.push(text);
    }
  }
  return { certificates, keys };
}

/** x509-limbo: up to `limit` distinct certificates and every CRL, as DER. */
export function limboDer(limit: number): { certificates: Uint8Array[]; crls: Uint8Array[] } {
  const suite = JSON.parse(readFileSync(new URL("vectors/x509-limbo/x509-limbo.json", ROOT), "utf8")) as {
    testcases: { trusted_certs: string[]; untrusted_intermediates: string[]; peer_certificate: string; crls?: string[] }[];
  };
  const seen = new Set<string>();
  const certificates: Uint8Array[] = [];
  const crls: Uint8Array[] = [];
  for (const c of suite.testcases) {
    for (const pem of [c.peer_certificate, ...c.untrusted_intermediates, ...c.trusted_certs]) {
      if (certificates.length >= limit || seen.has(pem)) continue;
      seen.add(pem);
      for (const block of decodePem(pem)) certificates.push(block.der);
    }
    for (const pem of c.crls ?? []) for (const block of decodePem(pem)) crls.push(block.der);
  }
  return { certificates, crls };
}

/** Waits for `promise`, or rejects after `ms` (capturing must never hang the runner). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The first bytes Node's tls client sends (its ClientHello record), captured on a loopback socket. */
export async function captureNodeClientHello(): Promise<Uint8Array> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  const got = new Promise<Uint8Array>((resolve) => server.once("connection", (s) => s.once("data", (d: Buffer) => {
    resolve(new Uint8Array(d));
    s.destroy();
  })));
  const client = tls.connect({ host: "127.0.0.1", port, servername: "localhost", minVersion: "TLSv1.3", ALPNProtocols: ["h2", "http/1.1"] });
  client.on("error", () => {});
  try {
    return await within(got, 5000, "capturing Node's ClientHello");
  } finally {
    client.destroy();
    server.close();
  }
}

/** What a Node tls server (TLS 1.3, client certificates requested) answers to `clientHello`. */
export async function captureNodeServerFlight(clientHello: Uint8Array, certPem: string, keyPem: string, caPem: string): Promise<Uint8Array> {
  const server = tls.createServer({ cert: certPem, key: keyPem, ca: caPem, requestCert: true, minVersion: "TLSv1.3" });
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  const socket = net.connect(port, "127.0.0.1");
  const chunks: Buffer[] = [];
  const done = new Promise<Uint8Array>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    socket.on("data", (d: Buffer) => {
      chunks.push(d);
      // The flight arrives in one or a few segments; stop shortly after the last.
      clearTimeout(timer);
      timer = setTimeout(() => resolve(new Uint8Array(Buffer.concat(chunks))), 200);
    });
    socket.on("close", () => resolve(new Uint8Array(Buffer.concat(chunks))));
  });
  socket.on("error", () => {});
  socket.write(clientHello);
  try {
    return await within(done, 5000, "capturing a Node tls server flight");
  } finally {
    socket.destroy();
    server.close();
  }
}
