/**
 * What the interop files against a peer program of ours (Go's crypto/tls, rustls, JSSE, Erlang/OTP, wolfSSL, BoringSSL)
 * share: the case tables, reading the JSON lines such a peer prints, the certificate it reports,
 * our client's one-line, two-step and refused exchanges, and the 1 MiB of numbered lines.
 */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { webCryptoProvider } from "../../src/crypto/webcrypto/index.js";
import { createMtlsServer } from "../../src/node/index.js";
import { CA_PEM, credential, serverCredential } from "../helpers/fixtures.js";
import { CA, type Peer, certAndKeyArgs, startMutlsClient } from "./process.js";

export const TLS13_SUITES = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"] as const;

/** Credential pairs (server, client) of different key types, so each signature algorithm is verified by the peer and by us. */
export const KEY_PAIRS = [
  ["p256", "p256"],
  ["ed25519", "p384"],
  ["rsa2048", "ed25519"],
  ["p384", "rsa2048"],
] as const;

/** The JSON objects a peer program printed, one per line of its stdout. */
export function jsonEvents<T>(peer: Peer): T[] {
  return peer.stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as T);
}

/** SHA-256 of a fixture's leaf certificate, DER ("server-p256"): how a peer names the certificate it verified. */
export const leafSha256 = (name: string): string => createHash("sha256").update(credential(name).certDer).digest("hex");

/** `mutls client` to a peer's echo server: one line there and back, then close_notify; its exit status 0. */
export async function ourClientExchange(port: number, args: readonly string[], line = "ping"): Promise<Peer> {
  const client = startMutlsClient(port, ["--ca", CA, "--servername", "localhost", ...args]);
  await client.waitFor(/connected to/);
  client.write(`${line}\n`);
  await client.waitFor(new RegExp(`^${line}$`, "m"));
  client.endStdin();
  expect((await client.waitForExit()).code, client.report()).toBe(0);
  return client;
}

/**
 * `mutls client` sending the 1 MiB of numbered lines to a peer's echo server and reading them back
 * intact; `endStdin` false where the peer closes first.
 */
export async function ourClientEchoesMiB(port: number, endStdin = true): Promise<Peer> {
  const client = startMutlsClient(port, ["--ca", CA, "--servername", "localhost", ...certAndKeyArgs("client", "p256")]);
  await client.waitFor(/connected to/);
  const text = numberedLines().join("");
  client.write(text);
  if (endStdin) client.endStdin();
  expect((await client.waitForExit(30_000)).code, client.report().slice(0, 2000)).toBe(0);
  expect(client.stdout.length).toBe(1 << 20);
  expect(client.stdout === text).toBe(true);
  return client;
}

/** `mutls client` that the peer refuses, or that refuses the peer: waits for `failure` and a non-zero exit. */
export async function ourClientRefused(port: number, args: readonly string[], failure: RegExp): Promise<Peer> {
  const client = startMutlsClient(port, ["--ca", CA, "--servername", "localhost", ...args]);
  client.write("ping\n");
  await client.waitFor(failure);
  expect((await client.waitForExit()).code).not.toBe(0);
  return client;
}

/** `mutls client` sending `first`, then (after its echo) `rest`, each line waited for; exit status 0. */
export async function ourClientTwoSteps(port: number, args: readonly string[], first: string, rest: string, last: RegExp): Promise<Peer> {
  const client = startMutlsClient(port, ["--ca", CA, "--servername", "localhost", ...args]);
  await client.waitFor(/connected to/);
  client.write(first);
  await client.waitFor(/^before$/m);
  client.write(rest);
  await client.waitFor(last);
  client.endStdin();
  expect((await client.waitForExit()).code, client.report()).toBe(0);
  return client;
}

/** 1 MiB as 16384 distinct 64-byte lines: a lost, repeated or reordered record shows. */
export const numberedLines = (fill = "x"): string[] => Array.from({ length: 16384 }, (_, i) => `${String(i).padStart(6, "0")} ${fill.repeat(56)}\n`);

/**
 * Our client resumes with the ticket of a first exchange (`--sess-out`, then `--sess-in`) and has
 * a line of early data for a peer whose tickets allow no 0-RTT (no early_data extension, RFC 8446
 * §4.6.1): it must not send it as 0-RTT, and sends it after the handshake instead. Files go in `dir`.
 */
export async function ourClientResendsEarlyData(port: number, dir: string): Promise<Peer> {
  const session = join(dir, "no-early-data.session");
  const early = join(dir, "early.txt");
  writeFileSync(early, "early line\n");
  await ourClientExchange(port, [...certAndKeyArgs("client", "p256"), "--sess-out", session]);
  const args = ["--ca", CA, "--servername", "localhost", ...certAndKeyArgs("client", "p256"), "--sess-in", session, "--early-data", early];
  const client = startMutlsClient(port, args);
  await client.waitFor(/^early line$/m);
  client.endStdin();
  expect((await client.waitForExit()).code, client.report()).toBe(0);
  expect(client.stderr).toContain("resumed: yes");
  expect(client.stderr).toContain("early data: none (sent after the handshake)");
  return client;
}

/** What one session of `withKeyUpdatingEchoServer` did. */
export interface KeyUpdatingSession {
  updates: number;
  echoed: number;
  provider: string;
}

/**
 * `createMtlsServer` on the native or the WebCrypto provider, echoing what each client sends and,
 * every 128 KiB, sending a KeyUpdate that asks the client to update its own keys too (RFC 8446
 * §4.6.3). `runClient(port)` runs the peer's client against it; resolves with what each session did.
 */
export async function withKeyUpdatingEchoServer(
  providerName: "native" | "webcrypto",
  runClient: (port: number) => Promise<void>,
): Promise<KeyUpdatingSession[]> {
  const credential = serverCredential("p256");
  const provider = providerName === "webcrypto" ? await webCryptoProvider() : undefined;
  const sessions: Promise<KeyUpdatingSession>[] = [];
  const server = createMtlsServer(
    { cert: credential.certPem, key: credential.keyPem, ca: CA_PEM, requestCert: true, config: provider ? { provider } : {} },
    (connection) => {
      sessions.push(
        (async () => {
          let echoed = 0;
          let updates = 0;
          for (let chunk = await connection.read(); chunk !== null; chunk = await connection.read()) {
            await connection.write(chunk);
            echoed += chunk.length;
            if (echoed >= (updates + 1) * 128 * 1024) {
              updates++;
              await connection.keyUpdate(true);
            }
          }
          await connection.close();
          return { updates, echoed, provider: connection.handshake.provider };
        })(),
      );
    },
  );
  try {
    const { port } = await server.listen(0, "127.0.0.1");
    await runClient(port);
    return await Promise.all(sessions);
  } finally {
    await server.close();
  }
}
