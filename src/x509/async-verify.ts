/**
 * Path validation whose signature checks go to the provider's asynchronous `verify` (issue 13:
 * with WebCrypto, `crypto.subtle` instead of the pure fallback), with the verdicts, budgets and
 * alerts of the synchronous `verifyChainWith` by construction:
 *
 * 1. The synchronous search runs once with an optimistic signature oracle: every signature it asks
 *    about (certificate signatures, CRL signatures; the search charges the budget for each as
 *    before) is recorded and answered `true`.
 * 2. Every recorded signature is then verified through `provider.asynchronous.verify`, together.
 * 3. If all hold, a search with real answers would have asked the same questions, got the same
 *    answers and followed the same path, so the optimistic outcome (a chain or the error it threw)
 *    is the synchronous outcome. If any fails (or a verification throws or rejects), the budget is
 *    wound back to where it stood and the synchronous search runs again with real verification:
 *    today's code, so today's verdict, error and budget charges.
 *
 * Worst case: a chain carrying a bad signature costs two searches, the optimistic one (path
 * search plus its signatures on the asynchronous provider) and the real one (today's cost). The
 * budget is charged for the real one only, so what a peer can make us do is at most twice
 * limits.maxVerificationCost of work per handshake (and only where the provider is asynchronous);
 * `npm run bench:hostile` measures it against its target.
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

/** One signature the optimistic search asked about. */
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

/**
 * The provider as the optimistic search sees it: every method its own, except `verify`, which
 * records the question and answers true. Nothing else in path validation verifies a signature.
 */
function optimisticProvider(provider: CryptoProvider, asked: AskedSignature[]): CryptoProvider {
  const oracle = Object.create(provider) as CryptoProvider & { verify: CryptoProvider["verify"] };
  oracle.verify = (algorithm, key, message, signature) => {
    asked.push({ algorithm, key, message, signature });
    return true;
  };
  return oracle;
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
  // Both searches charge one budget; the second starts where the first did.
  const budget = opts.budget ?? new VerificationBudget();
  const real: VerifyOptions = { ...opts, budget };
  const start = budget.used;
  const asked: AskedSignature[] = [];
  let outcome: Outcome;
  try {
    outcome = {
      chain: verifyChainWith(
        {
          ...real,
          provider: optimisticProvider(opts.provider, asked),
          // Without their precomputed verifiers: an anchor's signatures are asked of the oracle too.
          trustAnchors: opts.trustAnchors.map(withoutVerifier),
        },
        checkRevocation,
        checkNames,
      ),
    };
  } catch (error) {
    outcome = { error };
  }
  if (asked.length === 0) return settled(outcome);

  /** The synchronous search again; `known` answers the questions already verified, so they are not verified twice. */
  const again = (known: readonly boolean[] = []): VerifiedChain => {
    budget.rewindTo(start);
    const provider = known.length === 0 ? opts.provider : answeringProvider(opts.provider, asked, known);
    return verifyChainWith({ ...real, provider }, checkRevocation, checkNames);
  };
  const judge = (answers: readonly boolean[]): VerifiedChain => (answers.every((valid) => valid) ? settled(outcome) : again(answers));
  let answers: MaybePromise<boolean>[];
  try {
    answers = asked.map((s) => operations.verify(s.algorithm, s.key, s.message, s.signature));
  } catch {
    return again();
  }
  if (answers.some(isPromise)) return Promise.all(answers).then(judge, () => again());
  return judge(answers as boolean[]);
}

/**
 * The provider for the search redone after a failed signature: a question the optimistic search
 * asked is answered with its verified answer (the asynchronous `verify`'s, which has the
 * synchronous one's meaning), any other is verified synchronously. So the redone search costs its
 * path work and only the signatures the first did not reach.
 */
function answeringProvider(provider: CryptoProvider, asked: readonly AskedSignature[], answers: readonly boolean[]): CryptoProvider {
  const bySignature = new Map<string, number[]>();
  asked.forEach((s, i) => {
    const key = toHex(s.signature);
    bySignature.set(key, [...(bySignature.get(key) ?? []), i]);
  });
  const answering = Object.create(provider) as CryptoProvider & { verify: CryptoProvider["verify"] };
  answering.verify = (algorithm, key, message, signature) => {
    for (const i of bySignature.get(toHex(signature)) ?? []) {
      const s = asked[i];
      if (sameAlgorithm(s.algorithm, algorithm) && samePublicKey(s.key, key) && bytesEqual(s.message, message)) return answers[i];
    }
    return provider.verify(algorithm, key, message, signature);
  };
  return answering;
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
