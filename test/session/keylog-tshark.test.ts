/**
 * The key log (NSS SSLKEYLOGFILE format) checked by Wireshark's dissector: a session our client and
 * server run in memory is written as a pcap (pcap.ts), and `tshark -o tls.keylog_file:` must
 * decrypt the handshake and every application record, including those after KeyUpdates in both
 * directions (Wireshark derives the updated keys itself; it needs the _0 secrets we log).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ClientConnection, ServerConnection, type CipherSuiteName } from "../../src/index.js";
import { readPem } from "../helpers/fixtures.js";
import { PCAP_SERVER_PORT, PcapConversation, pumpRecorded as pump } from "./pcap.js";

const TSHARK = spawnSync("tshark", ["-v"]).status === 0;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ca = readPem("ca.cert.pem");

function runSession(suite: CipherSuiteName, lines: string[]): { pcap: PcapConversation; messages: string[] } {
  const pcap = new PcapConversation();
  const server = new ServerConnection({
    certificateChain: readPem("server-p256.cert.pem"),
    privateKey: readPem("server-p256.key.pem"),
    clientAuth: "require",
    trustAnchors: ca,
    cipherSuites: [suite],
  });
  const client = new ClientConnection({
    serverName: "localhost",
    trustAnchors: ca,
    certificateChain: readPem("client-p256.cert.pem"),
    privateKey: readPem("client-p256.key.pem"),
    keyLog: (line) => lines.push(line),
  });
  pump(client, server, pcap);
  const messages: string[] = [];
  for (let i = 0; i < 6; i++) {
    const c = `client message ${i}`;
    const s = `server message ${i}`;
    client.write(new TextEncoder().encode(c));
    server.write(new TextEncoder().encode(s));
    messages.push(c, s);
    if (i === 1) client.keyUpdate(true); // both directions move to generation 1
    if (i === 3) server.keyUpdate(false); // the server's direction moves to generation 2
    pump(client, server, pcap);
  }
  return { pcap, messages };
}

// Skipped only where tshark is not installed (.ci/run installs it).
describe.skipIf(!TSHARK)("key log decrypts a session in tshark", () => {
  // Skipped only where tshark is not installed; .ci/run installs it.
  for (const suite of ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"] as const) {
    it(`decrypts handshake and application data across KeyUpdates (${suite})`, () => {
      const dir = mkdtempSync(join(tmpdir(), "mutls-keylog-"));
      dirs.push(dir);
      const lines: string[] = [];
      const { pcap, messages } = runSession(suite, lines);
      const pcapPath = join(dir, "session.pcap");
      const keylogPath = join(dir, "keylog.txt");
      pcap.write(pcapPath);
      writeFileSync(keylogPath, lines.join("\n") + "\n");

      const labels = lines.map((l) => l.split(" ")[0]);
      for (const label of ["CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET"]) {
        expect(labels).toContain(label);
      }
      expect(labels).toEqual(expect.arrayContaining(["CLIENT_TRAFFIC_SECRET_1", "SERVER_TRAFFIC_SECRET_1", "SERVER_TRAFFIC_SECRET_2"]));

      const tshark = (extra: string[]): string =>
        execFileSync("tshark", ["-n", "-r", pcapPath, "-d", `tcp.port==${PCAP_SERVER_PORT},tls`, "-o", `tls.keylog_file:${keylogPath}`, ...extra], { encoding: "utf8", timeout: 60_000 });
      // Handshake types visible only after decryption: Certificate (11), CertificateVerify (15), Finished (20), KeyUpdate (24).
      const types = tshark(["-T", "fields", "-e", "tls.handshake.type"]).split(/[\s,]+/).filter((t) => t !== "");
      expect(types).toEqual(expect.arrayContaining(["11", "15", "20", "24"]));
      // Every application message, decrypted, in both directions and after every update.
      const hexData = tshark(["-T", "fields", "-e", "data.data"]).replace(/[\s,]+/g, "\n");
      const text = hexData
        .split("\n")
        .filter((h) => h !== "")
        .map((h) => Buffer.from(h.replace(/:/g, ""), "hex").toString("latin1"))
        .join("\n");
      for (const m of messages) expect(text).toContain(m);

      // Without the key log nothing decrypts: the oracle could fail.
      const blind = execFileSync("tshark", ["-n", "-r", pcapPath, "-d", `tcp.port==${PCAP_SERVER_PORT},tls`, "-T", "fields", "-e", "data.data"], { encoding: "utf8" });
      expect(blind.replace(/\s/g, "")).toBe("");
    });
  }
});
