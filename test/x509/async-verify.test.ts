/**
 * verifyChainWithAsync (x509/async-verify.ts) against verifyCertificateChain over every x509-limbo
 * case (C2SP's suite, an outside source of good and hostile chains: bad signatures, cross-signed
 * roots, CRLs, name constraints, expired and deep chains): the WebCrypto provider's asynchronous
 * path and the pure provider's synchronous one must give the same path or the same TLSError (alert,
 * message), and charge the budget the same. A provider with `asynchronous` that answers at once
 * gives the verdict without a Promise; one without `asynchronous` is never asked to.
 */
import { existsSync, readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { TLSError } from "../../src/bytes/index.js";
import { pureProvider } from "../../src/crypto/pure.js";
import { isPromise, type CryptoProvider } from "../../src/crypto/provider.js";
import { type WebCryptoProvider, webCryptoProvider } from "../../src/crypto/webcrypto/index.js";
import { crlChecking } from "../../src/x509/crl.js";
import { nameConstraintChecking } from "../../src/x509/name-constraint-checks.js";
import {
  VerificationBudget,
  parseCertificate,
  verifyCertificateChain,
  verifyChainWithAsync,
  webPkiProfile,
  type VerifiedChain,
  type VerifyOptions,
} from "../../src/x509/index.js";
import { limboVerifyOptions, runLimboCase, type LimboSuite } from "../../vectors/x509-limbo/harness.js";

const SHARED = new URL("../../../shared/vectors/x509-limbo.json", import.meta.url);
const LOCAL = new URL("../../vectors/x509-limbo/x509-limbo.json", import.meta.url);
const suite = JSON.parse(readFileSync(existsSync(SHARED) ? SHARED : LOCAL, "utf8")) as LimboSuite;
const NOW = new Date("2030-01-01T00:00:00Z");

interface Verdict {
  path?: string[];
  alert?: string;
  message?: string;
  spent: number;
}

function verdictOf(outcome: () => VerifiedChain, budget: VerificationBudget): Verdict;
function verdictOf(outcome: () => VerifiedChain | Promise<VerifiedChain>, budget: VerificationBudget): Verdict | Promise<Verdict>;
function verdictOf(outcome: () => VerifiedChain | Promise<VerifiedChain>, budget: VerificationBudget): Verdict | Promise<Verdict> {
  const ok = (chain: VerifiedChain): Verdict => ({ path: [...chain.path, chain.anchor].map((c) => c.subject.text), spent: budget.used });
  const refused = (e: unknown): Verdict => {
    if (!(e instanceof TLSError)) throw e;
    return { alert: e.alertName, message: e.message, spent: budget.used };
  };
  try {
    const result = outcome();
    return isPromise(result) ? result.then(ok, refused) : ok(result);
  } catch (e) {
    return refused(e);
  }
}

const cases = suite.testcases.filter((c) => runLimboCase(c, NOW).actual_result !== "SKIPPED");

function optionsOf(c: (typeof cases)[number], provider: CryptoProvider, budget: VerificationBudget): VerifyOptions | null {
  try {
    // The chain read as the engine reads it with the nameConstraintChecking module (its cache's
    // parser: verifyChainWith's own default skips name-constraint parsing), and the webpki
    // profile's rules as the engine passes them from its configuration.
    return { ...limboVerifyOptions(c, NOW), provider, budget, parseCertificate, webPkiProfile };
  } catch {
    return null; // an input that does not parse never reaches path validation
  }
}

describe("verifyChainWithAsync gives verifyCertificateChain's verdict on every x509-limbo case", () => {
  let web: WebCryptoProvider;
  beforeAll(async () => {
    web = await webCryptoProvider();
  });

  it(`WebCrypto (crypto.subtle) and pure: same path or same error, same budget (${cases.length} cases)`, async () => {
    let failures = 0;
    let compared = 0;
    for (const c of cases) {
      const syncBudget = new VerificationBudget(1000);
      const syncOptions = optionsOf(c, pureProvider, syncBudget);
      if (syncOptions === null) continue;
      const expected = verdictOf(() => verifyCertificateChain(syncOptions), syncBudget);
      const asyncBudget = new VerificationBudget(1000);
      const asyncOptions = optionsOf(c, web, asyncBudget)!;
      const actual = await verdictOf(() => verifyChainWithAsync(asyncOptions, crlChecking.check, nameConstraintChecking.check), asyncBudget);
      expect({ id: c.id, ...actual }).toEqual({ id: c.id, ...expected });
      if (expected.alert !== undefined) failures++;
      compared++;
    }
    // The suite holds both kinds, so both branches (optimistic answer kept, search redone) ran.
    expect(compared).toBeGreaterThan(100);
    expect(failures).toBeGreaterThan(20);
    expect(compared - failures).toBeGreaterThan(20);
  });

  it("a provider whose asynchronous verify answers at once gives the verdict without a Promise; a tight budget runs out alike", () => {
    const atOnce: CryptoProvider = { ...pureProvider, asynchronous: pureProvider };
    for (const c of cases) {
      for (const limit of [1000, 1.2]) {
        const b1 = new VerificationBudget(limit);
        const o1 = optionsOf(c, pureProvider, b1);
        if (o1 === null) continue;
        const expected = verdictOf(() => verifyCertificateChain(o1), b1);
        const b2 = new VerificationBudget(limit);
        const o2 = optionsOf(c, atOnce, b2)!;
        const result = verdictOf(() => verifyChainWithAsync(o2, crlChecking.check, nameConstraintChecking.check), b2);
        expect(isPromise(result)).toBe(false);
        expect({ id: c.id, limit, ...(result as Verdict) }).toEqual({ id: c.id, limit, ...expected });
      }
    }
  });
});
