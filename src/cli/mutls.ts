#!/usr/bin/env node
/**
 * The `mutls` command (Node only): dispatches to one file per subcommand.
 */
import { VERSION } from "../index.js";
import { UsageError } from "./args.js";
import { CLIENT_USAGE, clientCommand, type CommandIo } from "./client-command.js";
import { DemoFailure, runDemo } from "./demo-command.js";
import { SERVER_USAGE, serverCommand } from "./server-command.js";

const USAGE = `mutls ${VERSION}: TLS 1.3 with mutual authentication, in pure TypeScript

usage:
  mutls demo        a mutual TLS handshake between a mutls client and a mutls server over
                    TCP on 127.0.0.1, traced message by message (no set-up needed)
  ${CLIENT_USAGE}
                    connect like openssl s_client: summary on stderr, stdin <-> connection
  ${SERVER_USAGE}
                    serve like openssl s_server: one line per connection on stderr
  mutls cert ...    a development CA and certificates (mutls cert help)
  mutls --version   print the version
  mutls help        print this help
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
        return await demoCommand();
      case "client":
        return await clientCommand(rest, io);
      case "server":
        return await serverCommand(rest, io, stopSignal());
      case "cert":
        return await certCommand(rest);
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`mutls: ${e.message}\n\n${USAGE}`);
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
