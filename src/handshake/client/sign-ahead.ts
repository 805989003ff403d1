/**
 * Our CertificateVerify signed beside the verifications of the server's (issue 13), as a module
 * the `mutls` entry supplies with `asyncChainVerification` (both are for asynchronous providers),
 * so a `mutls/core` bundle on a synchronous provider does not carry it.
 */
import { type MaybePromise, isPromise } from "../../crypto/provider.js";
import { type AsyncChainVerification, verifyChainWithAsync } from "../../x509/index.js";
import { selectClientCertificate } from "../certificate-selection.js";
import { HandshakeType } from "../codec/constants.js";
import type { HandshakeMessage } from "../codec/messages.js";
import type { ReceivedCertificateRequest } from "../codec/received-messages.js";
import type { HandshakeIO } from "../handshake-io.js";
import type { Transcript } from "../transcript.js";
import type { ResolvedConfig } from "../config.js";
import { certificateVerifyContent } from "../signer.js";
import { type SignAhead, type SignedAhead, certificateMessage } from "./certificate.js";

/**
 * Issue 13: on a provider that signs later (WebCrypto), our CertificateVerify signature is
 * started while the server's chain and CertificateVerify are still being verified, instead of
 * after them, so the handshake waits once where it waited twice: when the server's Certificate
 * (`certificate`, not yet in `transcript`), CertificateVerify and Finished are all here already,
 * it signs over a fork of the transcript with them and our Certificate. Nothing is decided or sent here:
 * the flight still runs in its turn, after every check of the server's messages, and takes this
 * signature only if it chose the same certificate and scheme and signs the same content (else
 * it signs afresh); an unused one is dropped. Only for a certificate chosen from the
 * configuration (no hook is called early) with our own in-memory signer (no outside signer is
 * asked early): signing what is never sent tells no one anything. Null when it does not apply.
 */
function signAhead(
  config: ResolvedConfig,
  request: ReceivedCertificateRequest,
  transcript: Transcript,
  certificate: HandshakeMessage,
  io: HandshakeIO,
): SignedAhead | null {
  if (config.provider.asynchronous === undefined || config.selectClientCertificate !== null) return null;
  const verify = io.peekHandshake();
  const finished = io.peekHandshake(1);
  if (verify === null || finished?.type !== HandshakeType.finished) return null;
  const choice = selectClientCertificate(config.certificateChoices, request.extensions);
  if (choice.credentials === null || choice.credentials.ownSigner !== true) return null;
  const hash = transcript.fork();
  for (const m of [certificate, verify, finished]) hash.update(m.raw);
  hash.update(certificateMessage(request, choice.credentials.chain));
  const content = certificateVerifyContent("client", hash.digest());
  let signature: MaybePromise<Uint8Array>;
  try {
    signature = choice.credentials.signer.sign(choice.scheme.name, content);
  } catch {
    return null; // its turn signs again and reports the failure
  }
  const ahead: SignedAhead = { ...choice, content, signature, signed: isPromise(signature) ? null : signature };
  if (isPromise(signature)) {
    signature.then(
      (sig) => (ahead.signed = sig),
      () => undefined, // a rejection is the flight's to report, if the flight comes
    );
  }
  return ahead;
}

/**
 * The module an asynchronous provider's handshake uses: the chain's signatures on its `verify`
 * (x509/async-verify.ts) and our CertificateVerify signed ahead (`signAhead`).
 */
export const asyncChainVerification: AsyncChainVerification & { readonly signAhead: SignAhead } = { verify: verifyChainWithAsync, signAhead };
