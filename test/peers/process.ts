/**
 * Child processes for the interop tests: every one is started through `startProcess`, recorded,
 * and killed (with its whole process group) by `stopAllProcesses`, which each test file calls in
 * afterEach. Waits are bounded; a wait that times out fails with the process's output attached.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as net from "node:net";
import { fileURLToPath } from "node:url";
import type { KeyType } from "../helpers/fixtures.js";

export type { KeyType };

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const FIXTURES = fileURLToPath(new URL("../fixtures/certs/", import.meta.url));
/** The built CLI: the interop suites prove the command itself, not just the library. */
export const CLI = fileURLToPath(new URL("../../dist/cli/mutls.js", import.meta.url));

/** Upper bound for any single wait in these tests. */
export const WAIT_MS = 15_000;

export const cert = (name: string): string => `${FIXTURES}${name}.cert.pem`;
export const key = (name: string): string => `${FIXTURES}${name}.key.pem`;
export const CA = cert("ca");

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class Peer {
  readonly child: ChildProcess;
  stdout = "";
  stderr = "";
  readonly exited: Promise<Exit>;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly name: string,
    command: string,
    args: readonly string[],
  ) {
    // detached: the child leads its own process group, so stopping it stops its children too.
    this.child = spawn(command, args, { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"], detached: true });
    this.child.stdout?.setEncoding("utf8").on("data", (text: string) => {
      this.stdout += text;
      this.notify();
    });
    this.child.stderr?.setEncoding("utf8").on("data", (text: string) => {
      this.stderr += text;
      this.notify();
    });
    this.child.stdin?.on("error", () => undefined); // a peer that exits early closes its stdin
    this.exited = new Promise((resolve) => {
      this.child.on("close", (code, signal) => {
        resolve({ code, signal });
        this.notify();
      });
      this.child.on("error", (e) => {
        this.stderr += `spawn failed: ${e.message}\n`;
        resolve({ code: -1, signal: null });
        this.notify();
      });
    });
  }

  get output(): string {
    return this.stdout + this.stderr;
  }

  /** Describes the process and its output, for failure messages. */
  report(): string {
    return `--- ${this.name} stdout ---\n${this.stdout}\n--- ${this.name} stderr ---\n${this.stderr}`;
  }

  private notify(): void {
    for (const wake of [...this.waiters]) wake();
  }

  /** Resolves with the first match of `pattern` in stdout+stderr; rejects on timeout or on exit without it. */
  waitFor(pattern: RegExp, ms = WAIT_MS): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      let exited = false;
      const check = (): void => {
        const match = this.output.match(pattern);
        if (match) finish(() => resolve(match));
        else if (exited) finish(() => reject(new Error(`${this.name} exited without printing ${pattern}\n${this.report()}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`${this.name} did not print ${pattern} within ${ms} ms\n${this.report()}`))), ms);
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        settle();
      };
      this.waiters.add(check);
      check();
      // After the exit no more output comes: look once more, so a missing line fails now, not at the timeout.
      void this.exited.then(() => {
        exited = true;
        if (this.waiters.has(check)) check();
      });
    });
  }

  /** Waits for the process to exit on its own, within `ms`. */
  async waitForExit(ms = WAIT_MS): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name} did not exit within ${ms} ms\n${this.report()}`)), ms);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  write(text: string): void {
    this.child.stdin?.write(text);
  }

  endStdin(): void {
    this.child.stdin?.end();
  }

  /** Kills the process group; resolves once the process is gone. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null && this.child.pid !== undefined) {
      try {
        process.kill(-this.child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    await this.exited;
  }
}

const running = new Set<Peer>();

export function startProcess(name: string, command: string, args: readonly string[]): Peer {
  const peer = new Peer(name, command, args);
  running.add(peer);
  return peer;
}

export async function stopAllProcesses(): Promise<void> {
  const peers = [...running];
  running.clear();
  await Promise.all(peers.map((p) => p.stop()));
}

/** A port that was free a moment ago on 127.0.0.1 (for peers that cannot report the port they bound). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port (bounded retries). */
export async function waitForPort(port: number, peer: Peer, ms = WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms;
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: "127.0.0.1", port });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    if (peer.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${peer.name} is not accepting on port ${port}\n${peer.report()}`);
}

/** `mutls server` from the built CLI on an ephemeral port; resolves once it reports the port. */
export async function startMutlsServer(args: readonly string[]): Promise<{ server: Peer; port: number }> {
  const server = startProcess("mutls server", process.execPath, [CLI, "server", "--listen", "127.0.0.1:0", ...args]);
  const match = await server.waitFor(/listening on 127\.0\.0\.1:(\d+)/);
  return { server, port: Number(match[1]) };
}

/** `mutls client` from the built CLI. */
export function startMutlsClient(port: number, args: readonly string[]): Peer {
  return startProcess("mutls client", process.execPath, [CLI, "client", `127.0.0.1:${port}`, ...args]);
}

/** The hex of the mutls CLI's `--export` line (`exporter LABEL (N bytes): HEX`), or "missing". */
export const ourExport = (output: string): string => /exporter .* bytes\): ([0-9a-f]+)/.exec(output)?.[1] ?? "missing";

/** `--cert FILE --key FILE` for a fixture credential, as the mutls CLI and curl both spell them. */
export function certAndKeyArgs(role: "server" | "client", type: KeyType): string[] {
  return ["--cert", cert(`${role}-${type}`), "--key", key(`${role}-${type}`)];
}

/** `mutls server --require-client-cert --echo` trusting the test CA: the server side of most interop cases. */
export function startMutlsEchoServer(args: readonly string[]): Promise<{ server: Peer; port: number }> {
  return startMutlsServer(["--ca", CA, "--require-client-cert", "--echo", ...args]);
}

/**
 * Once `client` prints `handshakeDone`, sends one line through the echo server, waits for it to
 * come back, then ends the client's input: the peer tools send close_notify at the end of their
 * input, and the server must report a clean close.
 */
export async function echoOneLineAndClose(client: Peer, server: Peer, handshakeDone: RegExp): Promise<void> {
  await client.waitFor(handshakeDone);
  client.write("ping\n");
  await client.waitFor(/^ping$/m);
  client.endStdin();
  await server.waitFor(/closed cleanly/);
}
