/**
 * connectTcp and createMtlsServer (the library API, not only the engine) against Node's own `tls`
 * (OpenSSL) in both roles: each suite and group, a forced HelloRetryRequest, each key type, and a
 * client without a certificate refused. Node is the oracle: it verifies our certificates and
 * reports what it negotiated.
 */
import * as net from "node:net";
import * as tls from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { TLSError } from "../../src/index.js";
import { connectTcp, createMtlsServer } from "../../src/node/index.js";
import { CA_PEM, clientCredential, serverCredential, type KeyType } from "../helpers/fixtures.js";
import { WAIT_MS } from "./process.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const SUITES = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"] as const;
const GROUPS = [
  { ours: "x25519", node: "X25519" },
  { ours: "secp256r1", node: "P-256" },
  { ours: "secp384r1", node: "P-384" },
] as const;
const PAIRS: [KeyType, KeyType][] = [
  ["ed25519", "rsa2048"],
  ["rsa2048", "p384"],
  ["p384", "ed25519"],
];

interface NodeSaw {
  authorized: boolean;
  peerUri: string | undefined;
  cipher: string | undefined;
  received: string;
}

/** A Node tls echo server requiring a client certificate, for one connection. */
async function nodeServer(options: tls.TlsOptions, serverType: KeyType = "p256"): Promise<{ port: number; saw: Promise<NodeSaw> }> {
  const credential = serverCredential(serverType);
  let report: (saw: NodeSaw) => void = () => undefined;
  const saw = new Promise<NodeSaw>((resolve) => (report = resolve));
  const server = tls.createServer(
    { cert: credential.certPem, key: credential.keyPem, ca: CA_PEM, requestCert: true, rejectUnauthorized: true, ...options },
    (socket) => {
      socket.once("data", (data) => {
        report({
          authorized: socket.authorized,
          peerUri: /URI:([^,]+)/.exec(socket.getPeerCertificate().subjectaltname ?? "")?.[1],
          cipher: socket.getCipher()?.standardName,
          received: String(data),
        });
        socket.end(data); // echo, then close_notify
      });
    },
  );
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  const port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
  return { port, saw };
}

async function ourClient(port: number, clientType: KeyType, config: Parameters<typeof connectTcp>[0]["config"] = {}) {
  const credential = clientCredential(clientType);
  const client = await connectTcp({ host: "127.0.0.1", port, servername: "localhost", ca: CA_PEM, cert: credential.certPem, key: credential.keyPem, config });
  cleanups.push(() => client.close());
  await client.write(new TextEncoder().encode("ping"));
  const echoed = new TextDecoder().decode((await client.read()) ?? new Uint8Array());
  expect(echoed).toBe("ping");
  return client;
}

describe("connectTcp -> Node tls server", () => {
  for (const suite of SUITES) {
    it(`negotiates ${suite}`, async () => {
      const { port, saw } = await nodeServer({ ciphers: suite });
      const client = await ourClient(port, "p256");
      expect(client.handshake.cipherSuite).toBe(suite);
      expect(await saw).toMatchObject({ authorized: true, cipher: suite, peerUri: "spiffe://mutls.test/client/p256" });
    });
  }

  for (const group of GROUPS) {
    it(`negotiates ${group.ours}`, async () => {
      const { port, saw } = await nodeServer({ ecdhCurve: group.node });
      const client = await ourClient(port, "p256", { groups: [group.ours], keyShareGroups: [group.ours] });
      expect(client.handshake.group).toBe(group.ours);
      expect((await saw).authorized).toBe(true);
    });
  }

  it("follows a HelloRetryRequest", async () => {
    const { port, saw } = await nodeServer({ ecdhCurve: "P-384" }); // our first key share is x25519
    const client = await ourClient(port, "p256");
    expect(client.handshake).toMatchObject({ group: "secp384r1", helloRetry: true });
    expect((await saw).authorized).toBe(true);
  });

  for (const [serverType, clientType] of PAIRS) {
    it(`authenticates a ${serverType} server and a ${clientType} client`, async () => {
      const { port, saw } = await nodeServer({}, serverType);
      const client = await ourClient(port, clientType);
      expect(client.peer?.subject).toContain(`(${serverType})`);
      expect(await saw).toMatchObject({ authorized: true, peerUri: `spiffe://mutls.test/client/${clientType}` });
    });
  }

  it("learns from Node's alert that a certificate was required", async () => {
    const { port } = await nodeServer({});
    const client = await connectTcp({ host: "127.0.0.1", port, servername: "localhost", ca: CA_PEM });
    cleanups.push(() => client.close());
    await client.write(new TextEncoder().encode("ping")).catch(() => undefined);
    const error = await client.read().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TLSError);
    expect((error as TLSError).alertName).toBe("certificate_required");
    expect((error as TLSError).origin).toBe("remote");
  });
});

interface NodeClientRun {
  authorized: boolean;
  cipher: string | undefined;
  group: string | undefined;
  received: string;
  error: Error | null;
}

/** Node's tls client: sends "ping", collects the answer until the server's close_notify. */
function nodeClient(port: number, clientType: KeyType | null, options: tls.ConnectionOptions = {}): Promise<NodeClientRun> {
  const credential = clientType ? clientCredential(clientType) : null;
  return new Promise((resolve) => {
    const run: NodeClientRun = { authorized: false, cipher: undefined, group: undefined, received: "", error: null };
    const socket = tls.connect({ host: "127.0.0.1", port, servername: "localhost", ca: CA_PEM, cert: credential?.certPem, key: credential?.keyPem, ...options });
    const timer = setTimeout(() => socket.destroy(new Error(`no end within ${WAIT_MS} ms`)), WAIT_MS);
    socket.on("secureConnect", () => {
      run.authorized = socket.authorized;
      run.cipher = socket.getCipher()?.standardName;
      run.group = (socket.getEphemeralKeyInfo() as { name?: string }).name;
      socket.write("ping");
    });
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => (run.received += d));
    socket.on("error", (e) => (run.error ??= e));
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(run);
    });
  });
}

/** createMtlsServer echoing the first chunk prefixed with the client's SPIFFE ID, then closing. */
async function ourServer(serverType: KeyType = "p256", config: { groups?: ("x25519" | "secp256r1" | "secp384r1")[] } = {}) {
  const credential = serverCredential(serverType);
  let refused: (e: TLSError) => void = () => undefined;
  const firstRefusal = new Promise<TLSError>((resolve) => (refused = resolve));
  const seen: { group?: string; helloRetry?: boolean; firstRefusal: Promise<TLSError> } = { firstRefusal };
  const server = createMtlsServer(
    { ca: CA_PEM, cert: credential.certPem, key: credential.keyPem, requestCert: true, config, onHandshakeError: refused },
    (connection) => {
      seen.group = connection.handshake.group;
      seen.helloRetry = connection.handshake.helloRetry;
      void (async () => {
        const data = await connection.read();
        await connection.write(new TextEncoder().encode(`${connection.peer?.uris[0]}:${new TextDecoder().decode(data ?? new Uint8Array())}`));
        await connection.close();
      })().catch(() => undefined);
    },
  );
  cleanups.push(() => server.close());
  const { port } = await server.listen(0, "127.0.0.1");
  return { port, seen };
}

describe("Node tls client -> createMtlsServer", () => {
  for (const suite of SUITES) {
    it(`negotiates ${suite}`, async () => {
      const { port } = await ourServer();
      const run = await nodeClient(port, "p256", { ciphers: suite });
      expect(run).toMatchObject({ authorized: true, cipher: suite, received: "spiffe://mutls.test/client/p256:ping", error: null });
    });
  }

  for (const group of GROUPS) {
    it(`negotiates ${group.ours}`, async () => {
      const { port, seen } = await ourServer();
      const run = await nodeClient(port, "p256", { ecdhCurve: group.node });
      expect(run.authorized).toBe(true);
      expect(run.received).toBe("spiffe://mutls.test/client/p256:ping");
      expect(seen.group).toBe(group.ours);
    });
  }

  it("sends a HelloRetryRequest", async () => {
    const { port, seen } = await ourServer("p256", { groups: ["secp384r1"] });
    const run = await nodeClient(port, "p256", { ecdhCurve: "X25519:P-384" });
    expect(run.authorized).toBe(true);
    expect(run.group).toBe("secp384r1"); // what OpenSSL reports for the ephemeral key
    expect(seen).toMatchObject({ group: "secp384r1", helloRetry: true });
  });

  for (const [serverType, clientType] of PAIRS) {
    it(`authenticates a ${serverType} server and a ${clientType} client`, async () => {
      const { port } = await ourServer(serverType);
      const run = await nodeClient(port, clientType);
      expect(run).toMatchObject({ authorized: true, received: `spiffe://mutls.test/client/${clientType}:ping`, error: null });
    });
  }

  it("refuses a Node client without a certificate", async () => {
    const { port, seen } = await ourServer();
    const run = await nodeClient(port, null);
    expect(run.error?.message).toMatch(/certificate required/);
    expect(run.received).toBe("");
    expect((await seen.firstRefusal).alertName).toBe("certificate_required");
  });
});
