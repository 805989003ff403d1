// Checks the committed RFC 8448 vector files (vectors/rfc8448/*.json) against facts taken from the
// RFC itself, not from the extraction script, so a bug in the script cannot pass unnoticed.
import { describe, it, expect } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseRfc8448, type Rfc8448Section, type Rfc8448Step } from "../vectors/rfc8448/extract.mjs";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const vectorDir = `${repoRoot}vectors/rfc8448/`;

// Section, title, file, line range and first step, as read from the RFC text.
const EXPECTED = [
  { section: "3", title: "Simple 1-RTT Handshake", file: "section3-simple-1rtt.json", lines: "152-856", firstStep: 160 },
  { section: "4", title: "Resumed 0-RTT Handshake", file: "section4-resumed-0rtt.json", lines: "857-1588", firstStep: 866 },
  { section: "5", title: "HelloRetryRequest", file: "section5-hello-retry-request.json", lines: "1589-2358", firstStep: 1599 },
  { section: "6", title: "Client Authentication", file: "section6-client-authentication.json", lines: "2359-3058", firstStep: 2367 },
  { section: "7", title: "Compatibility Mode", file: "section7-compatibility-mode.json", lines: "3059-3702", firstStep: 3065 },
];

const load = (file: string): Rfc8448Section => JSON.parse(readFileSync(vectorDir + file, "utf8")) as Rfc8448Section;
const sections = EXPECTED.map((e) => ({ ...e, json: load(e.file) }));

const item = (step: Rfc8448Step, label: string): string => {
  const found = step.items.find((i) => i.label === label);
  if (!found) throw new Error(`line ${step.line}: no "${label}" item`);
  return found.hex;
};
const octets = (hex: string): number => hex.length / 2;

describe("RFC 8448 vector files", () => {
  it("hold all 538 items, each of its declared length", () => {
    // The RFC has 538 "label (N octets):" items. `grep -c 'octets)'` reports 543 because it also
    // counts the five "salt:  0 (all zero octets)" lines, which carry no hex.
    let total = 0;
    for (const { json } of sections) {
      for (const step of json.steps) {
        for (const it of step.items) {
          expect(it.hex).toMatch(/^([0-9a-f]{2})*$/);
          expect(octets(it.hex), `${json.section} line ${step.line} ${it.label}`).toBe(it.length);
          total++;
        }
      }
    }
    expect(total).toBe(538);
  });

  it.each(EXPECTED)("section $section has its metadata and first step", (e) => {
    const json = load(e.file);
    expect(json.section).toBe(e.section);
    expect(json.title).toBe(e.title);
    expect(json.source).toBe(`RFC 8448, Section ${e.section} (${e.title}), lines ${e.lines} of the RFC text`);
    // Every trace opens with the client making its x25519 key share.
    expect(json.steps[0]).toMatchObject({ actor: "client", action: "create an ephemeral x25519 key pair", line: e.firstStep });
    expect(json.steps[0]!.items.map((i) => [i.label, i.length])).toEqual([["private key", 32], ["public key", 32]]);
    // Steps are in document order and name a known actor.
    const lines = json.steps.map((s) => s.line);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
    for (const s of json.steps) expect(["client", "server"]).toContain(s.actor);
  });

  it("section 3 ClientHello is the 196-octet message of the RFC", () => {
    const steps = sections[0]!.json.steps;
    const step = steps.find((s) => s.actor === "client" && s.action === "construct a ClientHello handshake message");
    const hello = item(step!, "ClientHello");
    // RFC 8448 line 177: "ClientHello (196 octets):  01 00 00 c0 03 03 cb 34 ec b1 e7 81 63".
    // 0xc0 = 192 is the body length; the 4-byte handshake header makes 196.
    expect(octets(hello)).toBe(196);
    expect(hello.startsWith("010000c00303cb34ecb1e78163")).toBe(true);
    expect(4 + parseInt(hello.slice(2, 8), 16)).toBe(196);
    // Its key_share carries the public key from the first step.
    expect(hello).toContain(item(steps[0]!, "public key"));
  });

  it.each(EXPECTED)("section $section records are header + payload", (e) => {
    const steps = load(e.file).steps;
    const pending: Record<string, string[]> = { client: [], server: [] };
    let records = 0;
    for (const step of steps) {
      if (/^construct an? \w+ handshake message$/.test(step.action)) {
        expect(step.items).toHaveLength(1);
        pending[step.actor]!.push(step.items[0]!.hex);
        continue;
      }
      const send = /^send (\w+) record$/.exec(step.action);
      if (!send) continue;
      records++;
      expect(step.items.map((i) => i.label)).toEqual(["payload", "complete record"]);
      const payload = item(step, "payload");
      const record = item(step, "complete record");
      const [type, version, length] = [record.slice(0, 2), record.slice(2, 6), parseInt(record.slice(6, 10), 16)];
      expect(["0301", "0303"]).toContain(version);
      expect(octets(record)).toBe(5 + length);

      const messages = pending[step.actor]!;
      pending[step.actor] = [];
      // Only ClientHello (01) and ServerHello, including HelloRetryRequest (02), go unprotected.
      const plaintext = send[1] === "handshake" && messages.every((m) => m.startsWith("01") || m.startsWith("02"));
      const expectedType = plaintext ? "16" : send[1] === "change_cipher_spec" ? "14" : "17";
      expect(type, `line ${step.line}`).toBe(expectedType);
      if (type === "17") {
        // TLSCiphertext: the AEAD output of payload + inner content type, with a 16-octet tag.
        expect(length, `line ${step.line}`).toBe(octets(payload) + 1 + 16);
      } else {
        expect(record, `line ${step.line}`).toBe(record.slice(0, 10) + payload);
        expect(length).toBe(octets(payload));
      }

      if (send[1] !== "handshake") continue;
      expect(messages.length, `line ${step.line}`).toBeGreaterThan(0);
      const joined = messages.join("");
      if (payload === joined) continue;
      // The one exception (Section 4): the ClientHello is constructed without its PSK binders,
      // which are appended once "calculate PSK binder" has run: binders<2> = 00 21, binder<1> = 20.
      expect(e.section).toBe("4");
      const binder = steps.find((s) => s.action === "calculate PSK binder");
      expect(payload).toBe(joined + "002120" + item(binder!, "finished"));
    }
    expect(records).toBeGreaterThan(0);
    expect(Object.values(pending).flat(), "messages never sent").toEqual([]);
  });

  // Skipped unless the RFC text is at hand: the text itself is not committed, only the JSON
  // extracted from it. To run this check, save https://www.rfc-editor.org/rfc/rfc8448.txt as
  // ../shared/vectors/rfc8448.txt (a folder beside the checkout).
  const rfcText = `${repoRoot}../shared/vectors/rfc8448.txt`;
  it.skipIf(!existsSync(rfcText))("match a fresh extraction from the RFC text", () => {
    const fresh = parseRfc8448(readFileSync(rfcText, "utf8"));
    expect(fresh.map((f) => f.file)).toEqual(EXPECTED.map((e) => e.file));
    for (const { file, json } of fresh) expect(load(file), file).toEqual(json);
  });
});
