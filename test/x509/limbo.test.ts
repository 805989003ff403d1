/**
 * Informational: runs the x509-limbo cases (../shared/vectors/x509-limbo.json, C2SP) that fall
 * within what verifyCertificateChain claims to do, and prints how many agree. Only two things
 * are asserted: every case ends in success or a TLSError (never another exception), and the
 * printed tally adds up. Disagreements are listed so a later issue (full RFC 5280) can work
 * through them; CRL cases and RFC822 peer names are skipped.
 */
import { existsSync, readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { TLSError } from "../../src/bytes/index.js";
import { pureProvider } from "../../src/crypto/pure.js";
import { parseCertificate, pemCertificates, verifyCertificateChain, type Certificate } from "../../src/x509/index.js";

interface LimboCase {
  id: string;
  validation_kind: "SERVER" | "CLIENT";
  trusted_certs: string[];
  untrusted_intermediates: string[];
  peer_certificate: string;
  validation_time: string | null;
  extended_key_usage: string[];
  expected_result: "SUCCESS" | "FAILURE";
  expected_peer_name: { kind: string; value: string } | null;
  max_chain_depth: number | null;
  crls: string[];
}

const FILE = new URL("../../../shared/vectors/x509-limbo.json", import.meta.url);

test.skipIf(!existsSync(FILE))("x509-limbo (informational)", () => {
  const cases = (JSON.parse(readFileSync(FILE, "utf8")) as { testcases: LimboCase[] }).testcases;
  const tally = { agree: 0, tooLenient: [] as string[], tooStrict: [] as string[], skipped: 0 };
  for (const c of cases) {
    if (c.crls.length > 0 || c.expected_peer_name?.kind === "RFC822") {
      tally.skipped++;
      continue;
    }
    let ok: boolean;
    let why = "";
    try {
      const anchors: Certificate[] = c.trusted_certs.flatMap(pemCertificates).map((der) => parseCertificate(der));
      const eku = c.extended_key_usage.find((e) => e === "serverAuth" || e === "clientAuth");
      verifyCertificateChain({
        chain: [...pemCertificates(c.peer_certificate), ...c.untrusted_intermediates.flatMap(pemCertificates)],
        trustAnchors: anchors,
        now: c.validation_time === null ? new Date() : new Date(c.validation_time),
        provider: pureProvider,
        purpose: (eku as "serverAuth" | "clientAuth" | undefined) ?? (c.validation_kind === "SERVER" ? "serverAuth" : "clientAuth"),
        serverName: c.validation_kind === "SERVER" ? c.expected_peer_name?.value : undefined,
        // limbo's depth counts intermediates; ours counts the leaf too (and never the anchor).
        maxDepth: c.max_chain_depth === null ? undefined : c.max_chain_depth + 1,
      });
      ok = true;
    } catch (e) {
      if (!(e instanceof TLSError)) throw new Error(`${c.id}: threw ${String(e)}`);
      ok = false;
      why = `${e.alertName}: ${e.message}`;
    }
    if (ok === (c.expected_result === "SUCCESS")) tally.agree++;
    else if (ok) tally.tooLenient.push(c.id);
    else tally.tooStrict.push(`${c.id} (${why})`);
  }
  const run = cases.length - tally.skipped;
  console.log(
    `x509-limbo: ${tally.agree}/${run} agree, ${tally.skipped} skipped; ` +
      `accepted but should fail: ${tally.tooLenient.length}; refused but should pass: ${tally.tooStrict.length}\n` +
      `  accepted but should fail:\n    ${tally.tooLenient.join("\n    ")}\n` +
      `  refused but should pass:\n    ${tally.tooStrict.join("\n    ")}`,
  );
  expect(tally.agree + tally.tooLenient.length + tally.tooStrict.length).toBe(run);
});
