/**
 * A client on `mutls/core` with a provider composed of ECDSA P-256, X25519, AES-128-GCM and SHA-256
 * alone (the bench's minimal client) against OpenSSL's `s_server`, restricted to exactly those and
 * requiring a client certificate. OpenSSL is the oracle: it must verify our certificate and our
 * CertificateVerify, and both sides must read each other's line.
 */
import * as net from "node:net";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import * as core from "../../src/core.js";
import { netTransport } from "../../src/node/index.js";
import { CA, cert, freePort, key, startProcess, stopAllProcesses } from "./process.js";

afterEach(stopAllProcesses);

describe("mutls/core client with a minimal composed provider -> openssl s_server", () => {
  it("completes a mutual handshake with ECDSA P-256, X25519, AES-128-GCM and SHA-256 only, and exchanges a line each way", async () => {
    const port = await freePort();
    const server = startProcess("openssl s_server", "openssl", [
      "s_server",
      "-accept",
      `127.0.0.1:${port}`,
      "-naccept",
      "1",
      "-CAfile",
      CA,
      "-Verify",
      "2",
      "-verify_return_error",
      "-tls1_3",
      "-cert",
      cert("server-p256"),
      "-key",
      key("server-p256"),
      "-groups",
      "X25519",
      "-ciphersuites",
      "TLS_AES_128_GCM_SHA256",
      "-sigalgs",
      "ECDSA+SHA256",
    ]);
    await server.waitFor(/ACCEPT/);

    const provider = core.createProvider({ hashes: [core.sha256], aeads: [core.aes128gcm], keyShares: [core.x25519], signatures: [core.ecdsaP256] });
    const socket = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true });
    await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    const pem = (path: string): string => readFileSync(path, "utf8");
    const connection = await core.connect(netTransport(socket), {
      servername: "localhost",
      ca: pem(CA),
      cert: pem(cert("client-p256")),
      key: pem(key("client-p256")),
      // The key is PEM: the core reads it with the privateKeyReading module.
      config: {
        provider,
        privateKeyReading: core.privateKeyReading,
        cipherSuites: ["TLS_AES_128_GCM_SHA256"],
        groups: ["x25519"],
        signatureSchemes: ["ecdsa_secp256r1_sha256"],
      },
    });
    expect(connection.handshake.cipherSuite).toBe("TLS_AES_128_GCM_SHA256");
    expect(connection.handshake.group).toBe("x25519");

    await connection.write(new TextEncoder().encode("ping from mutls/core\n"));
    await server.waitFor(/ping from mutls\/core/);
    // OpenSSL verified our chain (-verify_return_error would have refused it) and names our subject.
    expect(server.output).toMatch(/verify return:1/);
    server.write("pong from openssl\n");
    let received = "";
    for (let i = 0; i < 10 && !received.includes("pong from openssl"); i++) {
      const chunk = await connection.read();
      if (chunk === null) break;
      received += new TextDecoder().decode(chunk);
    }
    expect(received).toContain("pong from openssl");
    await connection.close().catch(() => undefined);
  });
});
