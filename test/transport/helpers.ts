/**
 * Shared pieces of the transport tests: option sets built from the fixture certificates, node:crypto
 * as the oracle for identities, and transport wrappers that count or cut bytes.
 */
import { X509Certificate, createHash } from "node:crypto";
import type { AcceptOptions, ConnectOptions, SecureConnection, Transport } from "../../src/index.js";
import { CA_PEM, clientCredential, serverCredential, type KeyType } from "../helpers/fixtures.js";
import { bytesFromSeed } from "../helpers/seeded-bytes.js";

export const clientOptions = (type: KeyType = "p256", extra: Partial<ConnectOptions> = {}): ConnectOptions => {
  const c = clientCredential(type);
  return { ca: CA_PEM, cert: c.certPem, key: c.keyPem, servername: "localhost", ...extra };
};

export const serverOptions = (type: KeyType = "p256", extra: Partial<AcceptOptions> = {}): AcceptOptions => {
  const s = serverCredential(type);
  return { ca: CA_PEM, cert: s.certPem, key: s.keyPem, requestCert: true, ...extra };
};

/** The subject and SAN URIs node:crypto reads from a PEM certificate, in our PeerIdentity's terms. */
export function nodeView(certPem: string): { uris: string[]; dnsNames: string[]; commonName: string } {
  const cert = new X509Certificate(certPem);
  const san = (cert.subjectAltName ?? "").split(", ").filter((s) => s !== "");
  return {
    uris: san.filter((s) => s.startsWith("URI:")).map((s) => s.slice(4)),
    dnsNames: san.filter((s) => s.startsWith("DNS:")).map((s) => s.slice(4)),
    commonName: /CN=([^\n]+)/.exec(cert.subject)?.[1] ?? "",
  };
}

export const sha256 = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");

/** Deterministic pseudo-random bytes (content does not matter, only that it arrives intact). */
export const patternBytes = (length: number): Uint8Array => bytesFromSeed(0x12345678, length);

/** Reads until the end of the stream (null) or until `limit` bytes, returning everything read. */
export async function readAll(connection: SecureConnection, limit = Infinity): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  while (total < limit) {
    const chunk = await connection.read();
    if (chunk === null) break;
    parts.push(chunk);
    total += chunk.length;
  }
  return Buffer.concat(parts);
}

/** Lets pending promise callbacks and I/O callbacks run, a bounded number of times. */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Wraps a transport and counts the bytes read through it. */
export function countingTransport(inner: Transport): { transport: Transport; bytesRead: () => number } {
  let count = 0;
  return {
    transport: {
      read: async () => {
        const chunk = await inner.read();
        if (chunk) count += chunk.length;
        return chunk;
      },
      write: (chunk) => inner.write(chunk),
      closeWrite: () => inner.closeWrite?.() ?? Promise.resolve(),
      close: () => inner.close(),
    },
    bytesRead: () => count,
  };
}

/**
 * Wraps a transport so that, once `armed()` is called, the next write sends only `keep(n)` of its
 * n bytes and then closes the transport: a peer that vanishes mid-record or between records.
 */
export function cuttingTransport(inner: Transport, keep: (n: number) => number): { transport: Transport; arm: () => void } {
  let armed = false;
  return {
    transport: {
      read: () => inner.read(),
      write: async (chunk) => {
        if (!armed) return inner.write(chunk);
        await inner.write(chunk.subarray(0, keep(chunk.length)));
        await inner.close();
      },
      closeWrite: () => inner.closeWrite?.() ?? Promise.resolve(),
      close: () => inner.close(),
    },
    arm: () => (armed = true),
  };
}
