/**
 * verifyChainWithAsync (x509/async-verify.ts) against verifyCertificateChain over every x509-limbo
 * case (C2SP's suite, an outside source of good and hostile chains: bad signatures, cross-signed
 * roots, CRLs, name constraints, expired and deep chains): the WebCrypto provider's asynchronous
 * path and the pure provider's synchronous one must give the same path or the same TLSError (alert,
 * message), and charge the budget the same. A provider with `asynchronous` that answers at once
 * gives the verdict without a Promise; one without `asynchronous` is never asked to.
 */
import { createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
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
import * as d from "./der-builder.js";
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

/**
 * The flight of bench/lib/hostile-certs.ts buildRedoFlight, small and on P-256: CAs that all bear
 * the name X and issue each other and the leaf in name, each certificate signed by one key K that
 * only the first CA holds. To an optimistic search every link holds; in truth almost none does,
 * so the search must be redone, asking new questions each time. An earlier redo verified those
 * synchronously (with WebCrypto: the pure fallback), at 14-15 WebCrypto handshakes of cost.
 */
describe("verifyChainWithAsync redone after failed signatures", () => {
  const p256Key = (): KeyObject => generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
  const spkiOf = (key: KeyObject) => new Uint8Array(createPublicKey(key).export({ format: "der", type: "spki" }));
  const anchorKey = p256Key();
  const k = p256Key();
  // Key identifiers: every CA claims K's, as every certificate claims to be issued by K's holder.
  const K_ID = Uint8Array.of(1);
  const ANCHOR_ID = Uint8Array.of(2);
  const keyIds = (authority: Uint8Array, subject: Uint8Array | null) => [
    d.extension("2.5.29.35", d.seq(d.implicitPrim(0, authority))),
    ...(subject === null ? [] : [d.extension("2.5.29.14", d.octets(subject))]),
  ];
  const caExtensions = (authority: Uint8Array, subject: Uint8Array) => [
    d.extension("2.5.29.19", d.seq(d.bool(true)), true),
    d.extension("2.5.29.15", d.bits(Uint8Array.of(0x06), 1), true), // keyCertSign, cRLSign
    ...keyIds(authority, subject),
  ];
  const issued = (issuer: string, subject: string, subjectKey: KeyObject, extensions: Uint8Array[], signer = k) =>
    d.certificate(d.tbs({ issuer: d.name(issuer), subject: d.name(subject), spki: spkiOf(subjectKey), extensions }), d.ecdsaSha256(), signer);
  const anchor = parseCertificate(issued("Anchor", "Anchor", anchorKey, caExtensions(ANCHOR_ID, ANCHOR_ID), anchorKey));
  const CAS = 8;
  const chain = [issued("X", "leaf", p256Key(), [d.extension("2.5.29.15", d.bits(Uint8Array.of(0x80), 7), true), ...keyIds(K_ID, null)])];
  for (let i = 0; i < CAS; i++) {
    const last = i === CAS - 1;
    chain.push(issued(last ? "Anchor" : "X", "X", i === 0 ? k : p256Key(), caExtensions(last ? ANCHOR_ID : K_ID, K_ID)));
  }

  /** Pure underneath; counts synchronous `verify` calls and asynchronous ones, which answer later. */
  function counting() {
    const calls = { synchronous: 0, asynchronous: 0 };
    const provider: CryptoProvider = {
      ...pureProvider,
      verify: (...args) => (calls.synchronous++, pureProvider.verify(...args)),
      asynchronous: { ...pureProvider, verify: (...args) => (calls.asynchronous++, Promise.resolve(pureProvider.verify(...args))) },
    };
    return { provider, calls };
  }
  const options = (provider: CryptoProvider, budget: VerificationBudget): VerifyOptions => ({
    chain,
    trustAnchors: [anchor],
    now: NOW,
    provider,
    purpose: "clientAuth",
    budget,
    maxPathCandidates: 10_000,
    maxSignatureChecks: 10_000,
  });

  it("verifies nothing synchronously and reaches the synchronous verdict when the budget allows", async () => {
    const syncBudget = new VerificationBudget(1000);
    const expected = verdictOf(() => verifyCertificateChain(options(pureProvider, syncBudget)), syncBudget);
    expect(expected.alert).toBe("bad_certificate");
    expect(expected.message).toMatch(/does not verify/);
    const { provider, calls } = counting();
    const budget = new VerificationBudget(1000);
    expect(await verdictOf(() => verifyChainWithAsync(options(provider, budget), null), budget)).toEqual(expected);
    expect(calls.synchronous).toBe(0);
    expect(calls.asynchronous).toBeGreaterThan(CAS);
  });

  it("within a budget: the rounds charge at most 1.5 times it, verify all asynchronously, or refuse as over the limit", async () => {
    const { provider, calls } = counting();
    /** Sums every charge, those a later round winds back included: the work the rounds did in all. */
    class Tally extends VerificationBudget {
      total = 0;
      override charge(units: number, what: string): void {
        super.charge(units, what);
        this.total += units;
      }
    }
    const budget = new Tally(8);
    const verdict = await verdictOf(() => verifyChainWithAsync(options(provider, budget), null), budget);
    expect(verdict.alert).toBe("bad_certificate");
    expect(calls.synchronous).toBe(0);
    expect(budget.total).toBeGreaterThan(budget.limit); // more than one round ran
    expect(budget.total).toBeLessThanOrEqual(1.5 * budget.limit);
    // One P-256 verification is one unit, charged before it is asked.
    expect(calls.asynchronous).toBeLessThanOrEqual(1.5 * budget.limit);
  });
});
