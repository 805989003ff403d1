/**
 * Child processes for the runtime matrix: each runtime runs in a process group of its own, with a
 * deadline, and the whole group is killed when its check ends.
 */
import { spawn } from "node:child_process";
import * as net from "node:net";

/** Kills a process group; a group that already exited is fine. */
export function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group has already exited
  }
}

export const tail = (text) => (text.trim() ? `; output: ${text.trim().split("\n").slice(-6).join(" | ").slice(-700)}` : "");

/**
 * Runs a command in its own process group until it prints `RESULT {json}` and exits, or the
 * deadline passes; nothing it started outlives this call. `onListening(port)` is called when it
 * prints `LISTENING <port>`; the call resolves to { report, listening } once both are settled.
 */
export function runEntry(command, args, { cwd, env = {}, onListening, deadlineMs }) {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: "1", ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let listening = null;
    child.stdout.on("data", (d) => {
      stdout += d;
      const match = /^LISTENING (\d+)$/m.exec(stdout);
      if (match && listening === null && onListening) listening = onListening(Number(match[1]));
    });
    child.stderr.on("data", (d) => (stderr += d));
    let timedOut = false;
    // SIGTERM first so playwright can close Chromium, which it starts in a process group of its own.
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, "SIGTERM");
      setTimeout(() => killGroup(child.pid, "SIGKILL"), 5_000).unref();
    }, deadlineMs);
    let settled = false;
    const finish = async (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!timedOut) killGroup(child.pid, "SIGKILL");
      const outcome = await listening;
      const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
      let report;
      if (timedOut) report = { error: `no result within ${deadlineMs / 1000} s${tail(stderr)}` };
      else if (error) report = { error: `could not start ${command}: ${error.message}` };
      else if (!line) report = { error: `exited without a result${tail(stderr || stdout)}` };
      else {
        try {
          report = JSON.parse(line.slice("RESULT ".length));
        } catch (e) {
          report = { error: `unreadable result: ${e.message}` };
        }
      }
      resolvePromise({ report, listening: outcome });
    };
    child.on("error", finish);
    child.on("close", () => finish());
  });
}

/** A free loopback port, for workerd, which cannot report the one it chose. */
export function freePort() {
  return new Promise((resolvePromise, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePromise(port));
    });
  });
}
