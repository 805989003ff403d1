/**
 * Path validation whose signature checks go to the provider's asynchronous `verify` (issue 13:
 * with WebCrypto, `crypto.subtle` instead of the pure fallback), with the verdicts, budgets and
 * alerts of the synchronous `verifyChainWith` by construction:
 *
 * 1. The synchronous search runs with a signature oracle: a signature it asks about (certificate
 *    signatures, CRL signatures; the search charges the budget for each as before) whose answer is
 *    known gets that answer; any other is recorded and answered `true`.
 * 2. The signatures recorded in that round are then verified through
 *    `provider.asynchronous.verify`, together.
 * 3. If the round recorded none, or all of them hold, a search with real answers would have asked
 *    the same questions, got the same answers and followed the same path, so the round's outcome
 *    (a chain or the error it threw) is the synchronous outcome. If one fails, the answers join the
 *    known ones, the budget is wound back to where it stood, and the search runs again (step 1).
 *
 * Every round asks at least one question no earlier round did, and each costs at most one search.
 * An earlier version redid the search once, with synchronous (on WebCrypto: pure) verification
 * for the questions the first round had not asked; a flight whose CAs issue each other in name
 * but not in truth (bench/lib/hostile-certs.ts buildRedoFlight) made that redo cost 14 WebCrypto
 * handshakes of pure RSA. Now no signature is verified synchronously, and the rounds together may
 * charge at most one and a half times what one search may (REDO_ALLOWANCE, a cap on the budget
 * while a round runs): beyond that the peer is refused as when one search runs out
 * (bad_certificate, limit_exceeded). So what a peer can make us do is at most 1.5 times
 * limits.maxVerificationCost of path work and asynchronous verifications together: the
 * asynchronous verifications are the cost (an RSA-8192 verification with the largest exponent
 * takes the runtime about half a WebCrypto handshake), and at twice the budget the redo flight
 * came to 8-9.4 WebCrypto handshakes against the target of 10. A chain within the allowance gets
 * the synchronous verdict; `npm run bench:hostile` measures the worst flights against the target.
 *
 * A verification that throws or rejects (not a false answer: an operation the runtime refused)
 * ends the rounds: the search is redone once synchronously, known answers kept.
 *
 * A provider without `asynchronous` (pure, native) takes `verifyChainWith` directly: no oracle,
 * no Promise.
 */
import { bytesEqual, toHex } from "../bytes/index.js";
import type { CryptoProvider, MaybePromise, PublicKey, SignatureAlgorithm } from "../crypto/provider.js";
import { isPromise } from "../crypto/provider.js";
import type { Certificate } from "./certificate.js";
import type { CrlChecking } from "./crl.js";
import { type TrustAnchor, anchorCertificate } from "./trust-anchor.js";
import { VerificationBudget } from "./verification-budget.js";
import type { NameConstraintChecking } from "./name-constraint-checks.js";
import { type VerifiedChain, type VerifyOptions, verifyChainWith } from "./verify.js";

/** What the rounds together may charge, in budgets of one search (see the file's comment). */
const REDO_ALLOWANCE = 1.5;
const REDONE = "the searches redone after a signature failed to verify have charged 1.5 times the limit";

/** One signature a search asked about. */
interface AskedSignature {
  readonly algorithm: SignatureAlgorithm;
  readonly key: PublicKey;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
}

type Outcome = { readonly chain: VerifiedChain } | { readonly error: unknown };

function settled(outcome: Outcome): VerifiedChain {
  if ("error" in outcome) throw outcome.error;
  return outcome.chain;
}

/** Verified answers, found by signature bytes first (cheap to tell apart), then the rest of the question. */
class KnownAnswers {
  private readonly bySignature = new Map<string, { asked: AskedSignature; valid: boolean }[]>();

  add(asked: readonly AskedSignature[], answers: readonly boolean[]): void {
    asked.forEach((s, i) => {
      const key = toHex(s.signature);
      const entries = this.bySignature.get(key) ?? [];
      entries.push({ asked: s, valid: answers[i] });
      this.bySignature.set(key, entries);
    });
  }

  answer(algorithm: SignatureAlgorithm, key: PublicKey, message: Uint8Array, signature: Uint8Array): boolean | undefined {
    if (this.bySignature.size === 0) return undefined;
    for (const { asked: s, valid } of this.bySignature.get(toHex(signature)) ?? []) {
      if (sameAlgorithm(s.algorithm, algorithm) && samePublicKey(s.key, key) && bytesEqual(s.message, message)) return valid;
    }
    return undefined;
  }
}

/**
 * The provider as a search sees it: every method its own, except `verify`, which answers a known
 * question with its verified answer and any other with `unknown`. Nothing else in path validation
 * verifies a signature.
 */
function answeringProvider(provider: CryptoProvider, known: KnownAnswers, unknown: CryptoProvider["verify"]): CryptoProvider {
  const answering = Object.create(provider) as CryptoProvider & { verify: CryptoProvider["verify"] };
  answering.verify = (algorithm, key, message, signature) => known.answer(algorithm, key, message, signature) ?? unknown(algorithm, key, message, signature);
  return answering;
}

/**
 * verifyChainWith with the chain's signatures on `opts.provider.asynchronous` when it has it:
 * the same VerifiedChain or the same TLSError, now when every verification answers at once,
 * else as a Promise.
 */
export function verifyChainWithAsync(
  opts: VerifyOptions,
  checkRevocation: CrlChecking["check"] | null,
  checkNames: NameConstraintChecking["check"] | null = null,
): MaybePromise<VerifiedChain> {
  const operations = opts.provider.asynchronous;
  if (operations === undefined) return verifyChainWith(opts, checkRevocation, checkNames);
  // Every round charges one budget, starting where the first did.
  const budget = opts.budget ?? new VerificationBudget();
  const real: VerifyOptions = { ...opts, budget };
  const start = budget.used;
  const allowance = REDO_ALLOWANCE * (budget.limit - start);
  // Without their precomputed verifiers: an anchor's signatures are asked of the oracle too.
  const anchors = opts.trustAnchors.map(withoutVerifier);
  const known = new KnownAnswers();
  let charged = 0;

  /** The synchronous search with known answers, after the runtime refused an operation. */
  const synchronously = (): VerifiedChain => {
    budget.rewindTo(start);
    return verifyChainWith(
      { ...real, provider: answeringProvider(opts.provider, known, opts.provider.verify.bind(opts.provider)) },
      checkRevocation,
      checkNames,
    );
  };

  const round = (): MaybePromise<VerifiedChain> => {
    budget.rewindTo(start);
    // The rounds together charge at most `allowance`: this one what the earlier left of it.
    budget.capAt(start + allowance - charged, REDONE);
    const asked: AskedSignature[] = [];
    const optimistic = answeringProvider(opts.provider, known, (algorithm, key, message, signature) => {
      asked.push({ algorithm, key, message, signature });
      return true;
    });
    let outcome: Outcome;
    try {
      outcome = { chain: verifyChainWith({ ...real, provider: optimistic, trustAnchors: anchors }, checkRevocation, checkNames) };
    } catch (error) {
      outcome = { error };
    } finally {
      budget.uncap();
    }
    if (asked.length === 0) return settled(outcome);
    charged += budget.used - start;
    let answers: MaybePromise<boolean>[];
    try {
      answers = asked.map((s) => operations.verify(s.algorithm, s.key, s.message, s.signature));
    } catch {
      return synchronously();
    }
    const judge = (verified: readonly boolean[]): MaybePromise<VerifiedChain> => {
      if (verified.every((valid) => valid)) return settled(outcome);
      known.add(asked, verified);
      return round();
    };
    if (answers.some(isPromise)) return Promise.all(answers).then(judge, synchronously);
    return judge(answers as boolean[]);
  };
  return round();
}

function sameAlgorithm(a: SignatureAlgorithm, b: SignatureAlgorithm): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "ed25519") return true;
  if (a.hash !== (b as typeof a).hash) return false;
  return a.kind !== "rsa-pss" || a.saltLength === (b as typeof a).saltLength;
}

function samePublicKey(a: PublicKey, b: PublicKey): boolean {
  switch (a.kind) {
    case "ec":
      return b.kind === "ec" && a.curve === b.curve && bytesEqual(a.point, b.point);
    case "ed25519":
      return b.kind === "ed25519" && bytesEqual(a.key, b.key);
    case "rsa":
      return b.kind === "rsa" && a.n === b.n && a.e === b.e && a.pssOnly === b.pssOnly;
  }
}

function withoutVerifier(anchor: Certificate | TrustAnchor): Certificate {
  return anchorCertificate(anchor).certificate;
}

/**
 * Chain signatures on an asynchronous provider's `verify`, as a module for the engine's
 * `asyncChainVerification` option: the `mutls` entry supplies it to every configuration; a
 * `mutls/core` configuration without it verifies a chain with the provider's synchronous `verify`
 * (the WebCrypto provider's fallback), with the same verdicts, so a bundle whose provider answers
 * synchronously does not carry this file.
 */
export interface AsyncChainVerification {
  readonly verify: typeof verifyChainWithAsync;
}

export const asyncChainVerification: AsyncChainVerification = { verify: verifyChainWithAsync };
