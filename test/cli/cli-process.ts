/**
 * Running the built CLI (dist/cli/mutls.js; vitest.interop.config.ts builds it first) as a child
 * process, and the small real peers the CLI tests talk to: a plain TCP server that answers like an
 * HTTP server, a port nothing listens on, and `openssl s_server` with `-msg` so OpenSSL reports
 * every record it sees.
 */
import { mkdtempSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI, type Peer, startProcess } from "../peers/process.js";

export interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `mutls ARGS...` to its end (bounded by the Peer's wait). */
export async function runCli(args: readonly string[], stdin = ""): Promise<Finished> {
  const peer = startProcess(`mutls ${args[0]}`, process.execPath, [CLI, ...args]);
  peer.write(stdin);
  peer.endStdin();
  const exit = await peer.waitForExit();
  return { code: exit.code, stdout: peer.stdout, stderr: peer.stderr };
}

/** `mutls ARGS...` left running (servers, clients that wait on stdin). */
export const startCli = (args: readonly string[]): Peer => startProcess(`mutls ${args[0]}`, process.execPath, [CLI, ...args]);

/**
 * A start-up error as the issue asks for it: exit 2, exactly one line on stderr, no stack trace,
 * nothing on stdout.
 */
export function expectStartupError(run: Finished): string {
  const lines = run.stderr.split("\n").filter((l) => l !== "");
  if (run.code !== 2 || lines.length !== 1 || /^\s+at /m.test(run.stderr) || run.stdout !== "") {
    throw new Error(`expected exit 2 with one stderr line, got exit ${run.code}\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`);
  }
  return lines[0];
}

/** A TCP server that is not TLS: reads what the client sends, answers `answer`, and closes; counts connections. */
export async function plainTcpServer(answer: string): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let count = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.once("data", () => socket.end(answer));
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => count,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound, read, released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `openssl s_server` on an ephemeral port with `-msg` (every record it sends and receives), for one connection. */
export async function opensslServer(args: readonly string[]): Promise<{ server: Peer; port: number }> {
  const server = startProcess("openssl s_server", "openssl", ["s_server", "-accept", "127.0.0.1:0", "-naccept", "1", "-msg", ...args]);
  const match = await server.waitFor(/ACCEPT 127\.0\.0\.1:(\d+)/);
  return { server, port: Number(match[1]) };
}

/** A scratch directory, removed by the returned function. */
export function scratchDir(prefix: string): { dir: string; path: (name: string) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, path: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
