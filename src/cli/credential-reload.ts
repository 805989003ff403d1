/**
 * `mutls server` picks up new `--cert`, `--key` and `--ca` files without a restart, as SPIFFE
 * SVIDs (about an hour) and cert-manager renewals need: when a file changes (fs.watch on the
 * files' directories, debounced, so a writer's several steps land as one) and on SIGHUP. The
 * files are read and checked as at start-up, then swapped in with setSecureContext for the
 * connections accepted from then on. A file that is unreadable, not a certificate, or a key that
 * does not match keeps the old credentials in service, and the log line says why.
 */
import { type FSWatcher, watch } from "node:fs";
import { dirname } from "node:path";
import type { Certificate } from "../index.js";
import type { MtlsServer } from "../node/index.js";
import type { ParsedArgs } from "./args.js";
import { type CredentialFiles, credentialFlags } from "./credential-flags.js";

/** Quiet time after the last change before the files are read: cert-manager and editors write in several steps. */
export const RELOAD_DEBOUNCE_MS = 250;

const FLAGS = ["cert", "key", "ca"] as const;

/** '"CN=api, O=Example"; DNS api.example; valid until 2026-12-07T10:00:00.000Z' */
export function describeCredential(leaf: Certificate | undefined): string {
  if (leaf === undefined) return "no certificate (PSK only)";
  const san = leaf.subjectAltName;
  const parts = [`"${leaf.subject.text}"`];
  const names: [string, readonly string[] | undefined][] = [
    ["URI", san?.uri],
    ["DNS", san?.dns],
    ["IP", san?.ip],
  ];
  for (const [label, values] of names) if (values && values.length > 0) parts.push(`${label} ${values.join(", ")}`);
  parts.push(`valid until ${leaf.notAfter.toISOString()}`);
  return parts.join("; ");
}

const trustText = (files: CredentialFiles): string => (files.ca === undefined ? "" : `; trusting ${files.ca.length} CA certificate(s) from --ca`);

/** The bytes a load was made from, to tell a real change from a directory event that touched nothing of ours. */
const fingerprint = (files: CredentialFiles): string =>
  [files.cert, files.key === undefined ? undefined : [files.key], files.ca]
    .map((list) => (list ?? []).map((b) => Buffer.from(b).toString("base64")).join(","))
    .join("|");

export interface CredentialReloader {
  /** Reads the files now and swaps them in if they are good; `why` goes into the log line. */
  reload(why: string, force: boolean): void;
  /** Stops watching and removes the SIGHUP handler. */
  stop(): void;
}

/**
 * Watches the directories of the files `args` names (a file replaced by a rename, as cert-manager
 * and Kubernetes secret volumes do, is a change to its directory, not to the old file) and
 * listens for SIGHUP; each reload that changes something is logged through `log`.
 */
export function reloadCredentialsOnChange(args: ParsedArgs, started: CredentialFiles, server: MtlsServer, log: (line: string) => void): CredentialReloader {
  let serving = started;
  let lastSeen = fingerprint(started);
  let timer: NodeJS.Timeout | undefined;

  const reload = (why: string, force: boolean): void => {
    let files: CredentialFiles;
    try {
      files = credentialFlags(args);
      const seen = fingerprint(files);
      if (seen === lastSeen && !force) return;
      lastSeen = seen;
      server.setSecureContext({ cert: files.cert, key: files.key, ca: files.ca });
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      // A broken file is reported once per content, not at every unrelated event in its directory.
      const seen = `failed: ${reason}`;
      if (seen === lastSeen && !force) return;
      lastSeen = seen;
      log(`mutls server: reload (${why}) failed, still serving ${describeCredential(serving.leaf)}: ${reason}`);
      return;
    }
    serving = files;
    log(`mutls server: reloaded --cert/--key/--ca (${why}): now serving ${describeCredential(files.leaf)}${trustText(files)}`);
  };

  const paths = FLAGS.flatMap((flag) => args.values.get(flag) ?? []);
  const watchers: FSWatcher[] = [];
  for (const directory of new Set(paths.map((p) => dirname(p)))) {
    try {
      // persistent: false, so the watch never keeps a stopping server alive.
      const watcher = watch(directory, { persistent: false }, () => {
        clearTimeout(timer);
        timer = setTimeout(() => reload("file change", false), RELOAD_DEBOUNCE_MS);
      });
      watcher.on("error", (e) => log(`mutls server: no longer watching ${directory} for new credentials: ${e.message}; SIGHUP still reloads`));
      watchers.push(watcher);
    } catch (e) {
      log(`mutls server: cannot watch ${directory} for new credentials (${e instanceof Error ? e.message : String(e)}); SIGHUP still reloads`);
    }
  }
  const onHangup = (): void => reload("SIGHUP", true);
  process.on("SIGHUP", onHangup);

  return {
    reload,
    stop() {
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
      process.off("SIGHUP", onHangup);
    },
  };
}
