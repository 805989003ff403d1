#!/usr/bin/env node
/**
 * The `mutls` command (Node only): dispatches to one file per subcommand.
 */
import { VERSION } from "../index.js";
import { type CommandSpec, UsageError, formatHelp, wantsHelp } from "./args.js";
import { CLIENT_SPEC, clientCommand, type CommandIo } from "./client-command.js";
import { DemoFailure, runDemo } from "./demo-command.js";
import { RELAY_SPEC, relayCommand } from "./relay-command.js";
import { SERVER_SPEC, serverCommand } from "./server-command.js";

const DEMO_SPEC: CommandSpec = {
  name: "demo",
  summary:
    "A mutual TLS handshake between a mutls client and a mutls server over TCP on 127.0.0.1, with certificates minted for the run, traced message by message. Needs no set-up and takes no options.",
  flags: [],
};

const USAGE = `mutls ${VERSION}: TLS 1.3 with mutual authentication, in pure TypeScript

usage:
  mutls demo                      a traced mutual TLS handshake on 127.0.0.1 (no set-up needed)
  mutls client HOST:PORT [...]    connect like openssl s_client: summary on stderr, stdin <-> connection
  mutls server --listen H:P [...] serve like openssl s_server: one line per connection on stderr
  mutls relay --listen H:P --to H:P  WebSocket-to-TCP relay for browsers (ciphertext only)
  mutls cert ca|issue|csr|inspect a development CA, certificates, signing requests, inspection
  mutls --version                 print the version
  mutls help                      print this help

mutls COMMAND --help describes every option of a command (docs/cli.md has them all).
`;

const io: CommandIo = {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: (line) => process.stderr.write(`${line}\n`),
};

/** Resolves on SIGINT or SIGTERM: `mutls server` runs until stopped. */
function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
}

/** `mutls cert` lives in cert-command.ts, which may be absent from a build. */
async function certCommand(args: string[]): Promise<number> {
  const specifier = "./cert-command.js";
  let module: { runCertCommand?: (argv: string[]) => Promise<number> };
  try {
    module = (await import(specifier)) as typeof module;
  } catch {
    process.stderr.write("mutls: this build has no `cert` command\n");
    return 2;
  }
  if (typeof module.runCertCommand !== "function") {
    process.stderr.write("mutls: this build has no `cert` command\n");
    return 2;
  }
  return module.runCertCommand(args);
}

async function demoCommand(): Promise<number> {
  try {
    await runDemo((text) => process.stdout.write(text));
    return 0;
  } catch (e) {
    if (!(e instanceof DemoFailure)) throw e;
    process.stderr.write(`mutls demo: ${e.message}\n`);
    return 1;
  }
}

function help(spec: CommandSpec): number {
  process.stdout.write(formatHelp(spec));
  return 0;
}

const isCommand = (name: string | undefined): boolean => name === "client" || name === "server" || name === "demo" || name === "relay";

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case "--version":
      case "-v":
        process.stdout.write(`${VERSION}\n`);
        return 0;
      case undefined:
      case "help":
      case "--help":
      case "-h":
        process.stdout.write(USAGE);
        return 0;
      case "demo":
        if (wantsHelp(rest)) return help(DEMO_SPEC);
        if (rest.length > 0) throw new UsageError(`mutls demo takes no arguments, not ${rest[0]}`);
        return await demoCommand();
      case "client":
        if (wantsHelp(rest)) return help(CLIENT_SPEC);
        return await clientCommand(rest, io, stopSignal());
      case "server":
        if (wantsHelp(rest)) return help(SERVER_SPEC);
        return await serverCommand(rest, io, stopSignal());
      case "relay":
        if (wantsHelp(rest)) return help(RELAY_SPEC);
        return await relayCommand(rest, io, stopSignal());
      case "cert":
        return await certCommand(rest);
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}; run mutls help`);
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    // One line naming the flag (and the file): no usage dump, no stack trace.
    process.stderr.write(`mutls${isCommand(command) ? ` ${command}` : ""}: ${e.message}\n`);
    return 2;
  }
}

void main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`mutls: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
