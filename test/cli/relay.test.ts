/**
 * `mutls relay`: a mutls client on the WebSocket transport reaches `openssl s_server` (client
 * certificates required) through the relay, with OpenSSL as the witness of the mutual handshake
 * and of the echo; targets outside --to and connections past --max-connections are refused before
 * any TCP connection is made; SIGTERM closes open connections with 1001 and exits 0.
 */
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { connect, webSocketTransport, type WebSocketLike } from "../../src/index.js";
import { clientOptions } from "../transport/helpers.js";
import { CA, cert, key, stopAllProcesses, type Peer } from "../peers/process.js";
import { expectStartupError, opensslServer, plainTcpServer, runCli, startCli } from "./cli-process.js";

afterEach(stopAllProcesses);

const SERVER_FILES = ["-cert", cert("server-p256"), "-key", key("server-p256")];

async function startRelay(...args: string[]): Promise<{ relay: Peer; url: string }> {
  const relay = startCli(["relay", "--listen", "127.0.0.1:0", ...args]);
  const match = await relay.waitFor(/listening on (ws:\/\/127\.0\.0\.1:\d+\/)/);
  return { relay, url: match[1] };
}

/** A WebSocket from the `ws` package, opened or failed with the HTTP status the relay answered. */
function openWebSocket(url: string): Promise<{ ws: WebSocket } | { status: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once("open", () => resolve({ ws }));
    ws.once("unexpected-response", (_request, response) => resolve({ status: response.statusCode ?? 0 }));
    ws.once("error", reject);
  });
}

const asWebSocketLike = (ws: WebSocket): WebSocketLike => ws as unknown as WebSocketLike;

describe("mutls relay", () => {
  it("carries a mutual handshake and an echo between mutls over WebSocket and openssl s_server", async () => {
    const { server, port } = await opensslServer([...SERVER_FILES, "-Verify", "1", "-CAfile", CA, "-rev"]);
    const { relay, url } = await startRelay("--to", `127.0.0.1:${port}`, "--json");
    const ws = new WebSocket(`${url}127.0.0.1:${port}`);
    const connection = await connect(webSocketTransport(asWebSocketLike(ws)), clientOptions("p256"));
    expect(connection.peer?.dnsNames).toContain("localhost");
    // -rev: OpenSSL sends each line back reversed, so the answer is its own, not an echo of ours.
    await connection.write(new TextEncoder().encode("through the relay\n"));
    let answer = "";
    for (let i = 0; i < 10 && !answer.includes("\n"); i++) answer += new TextDecoder().decode((await connection.read()) ?? new Uint8Array());
    expect(answer.trim()).toBe("yaler eht hguorht");
    await server.waitFor(/Verification: OK/);
    expect(server.output).toMatch(/Peer certificate: .*CN ?= ?client p256/);
    await connection.close();
    const line = await relay.waitFor(/^\{.*"closedBy".*\}$/m);
    const summary = JSON.parse(line[0]) as { ok: boolean; target: string; toTarget: number; toClient: number };
    expect(summary).toMatchObject({ ok: true, target: `127.0.0.1:${port}` });
    // The handshake flights went through: a certificate chain each way is far more than the echo.
    expect(summary.toTarget).toBeGreaterThan(500);
    expect(summary.toClient).toBeGreaterThan(500);
    expect(relay.stderr).toContain(`-> 127.0.0.1:${port} opened`);
  });

  it("uses the only --to for the path /, and refuses a target outside --to before dialling it", async () => {
    const allowed = await plainTcpServer("not TLS");
    const other = await plainTcpServer("not TLS");
    try {
      const { relay, url } = await startRelay("--to", `127.0.0.1:${allowed.port}`);
      const refused = await openWebSocket(`${url}127.0.0.1:${other.port}`);
      expect(refused).toEqual({ status: 403 });
      const byQuery = await openWebSocket(`${url}?to=127.0.0.1:${other.port}`);
      expect(byQuery).toEqual({ status: 403 });
      await relay.waitFor(new RegExp(`refused: target "127\\.0\\.0\\.1:${other.port}" is not in --to`));
      expect(other.connections()).toBe(0);

      const opened = await openWebSocket(url);
      if (!("ws" in opened)) throw new Error(`the relay refused /: ${opened.status}`);
      const message = new Promise<Buffer>((resolve) => opened.ws.once("message", (data) => resolve(data as Buffer)));
      opened.ws.send(Buffer.from("hello"));
      expect((await message).toString()).toBe("not TLS");
      expect(allowed.connections()).toBe(1);
      opened.ws.close();
    } finally {
      await allowed.close();
      await other.close();
    }
  });

  it("refuses connections past --max-connections with 503", async () => {
    const target = await plainTcpServer("unused");
    try {
      const { relay, url } = await startRelay("--to", `127.0.0.1:${target.port}`, "--max-connections", "1");
      const first = await openWebSocket(url);
      expect("ws" in first).toBe(true);
      expect(await openWebSocket(url)).toEqual({ status: 503 });
      await relay.waitFor(/refused: --max-connections 1 reached/);
      if ("ws" in first) first.ws.close();
    } finally {
      await target.close();
    }
  });

  it("stops cleanly on SIGTERM: open connections get close 1001, exit 0", async () => {
    const target = await plainTcpServer("unused");
    try {
      const { relay, url } = await startRelay("--to", `127.0.0.1:${target.port}`);
      const opened = await openWebSocket(url);
      if (!("ws" in opened)) throw new Error(`the relay refused /: ${opened.status}`);
      const closed = new Promise<number>((resolve) => opened.ws.once("close", (code) => resolve(code)));
      await relay.waitFor(/opened/);
      process.kill(relay.child.pid!, "SIGTERM");
      expect(await closed).toBe(1001);
      const exit = await relay.waitForExit();
      expect(exit.code).toBe(0);
      expect(relay.stderr).toContain("mutls relay: stopped");
      expect(relay.stderr).not.toMatch(/^\s+at /m);
    } finally {
      await target.close();
    }
  });

  it("reports start-up problems in one line with exit 2", async () => {
    expect(expectStartupError(await runCli(["relay", "--listen", "127.0.0.1:0"]))).toContain("--to HOST:PORT is required");
    expect(expectStartupError(await runCli(["relay", "--listen", "127.0.0.1:0", "--to", "nowhere"]))).toContain('--to must be HOST:PORT, not "nowhere"');
    expect(expectStartupError(await runCli(["relay", "--listen", "127.0.0.1:0", "--to", "127.0.0.1:1", "--max-buffer", "10"]))).toContain(
      "--max-buffer must be",
    );
    const { relay, url } = await startRelay("--to", "127.0.0.1:1");
    const inUse = url.replace(/^ws:\/\/|\/$/g, "");
    expect(expectStartupError(await runCli(["relay", "--listen", inUse, "--to", "127.0.0.1:1"]))).toBe(
      `mutls relay: --listen ${inUse}: the address is already in use (another process listens there)`,
    );
    await relay.stop();
  });
});
