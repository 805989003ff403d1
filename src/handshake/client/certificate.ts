/**
 * The client's certificate flight (RFC 8446 §4.4.2, §4.4.3): Certificate, then CertificateVerify
 * when one of the configured chains fits the CertificateRequest.
 */
import { bytesEqual } from "../../bytes/index.js";
import type { MaybePromise } from "../../crypto/provider.js";
import type { HandshakeIO } from "../handshake-io.js";
import type { Transcript } from "../transcript.js";
import { certificateVerifyContent } from "../signer.js";
import { type ClientCertificateChoice, selectClientCertificate } from "../certificate-selection.js";
import type { Credentials, ResolvedConfig } from "../config.js";
import type { SignatureScheme } from "../codec/constants.js";
import { type HandshakeMessage, encodeCertificate, encodeCertificateVerify } from "../codec/messages.js";
import type { ReceivedCertificateRequest } from "../codec/received-messages.js";

/** The running transcript the flight extends: each message is added before the next is signed or sent. */
export interface FlightTranscript {
  add(message: Uint8Array): void;
  hash(): Uint8Array;
}

/** A CertificateVerify signature started before its turn (`signAhead`). */
export interface SignedAhead {
  readonly credentials: Credentials;
  readonly scheme: SignatureScheme;
  /** What it signs: used only if the flight, when its turn comes, signs exactly this. */
  readonly content: Uint8Array;
  readonly signature: MaybePromise<Uint8Array>;
  /** The signature once it has arrived: the flight then goes out at once, in one record, as from a synchronous signer. */
  signed: Uint8Array | null;
}

/** `signAhead` (sign-ahead.ts), which the engine finds in `config.asyncChainVerification` where the entry supplies it. */
export type SignAhead = (
  config: ResolvedConfig,
  request: ReceivedCertificateRequest,
  transcript: Transcript,
  certificate: HandshakeMessage,
  io: HandshakeIO,
) => SignedAhead | null;

export function certificateMessage(request: ReceivedCertificateRequest, chain: readonly Uint8Array[]): Uint8Array {
  return encodeCertificate({
    certificateRequestContext: request.certificateRequestContext,
    certificateList: chain.map((certData) => ({ certData, extensions: [] })),
  });
}

/**
 * §4.4.2 and §4.4.3: answer a CertificateRequest with our chain and a CertificateVerify, or an
 * empty Certificate when we have no certificate whose key fits the server's signature_algorithms.
 * The certificate hook and the signer may be asynchronous; then so is the flight.
 */
export function sendCertificateFlight(
  config: ResolvedConfig,
  request: ReceivedCertificateRequest,
  transcript: FlightTranscript,
  sendHandshake: (message: Uint8Array) => void,
  serverName: string | null,
  ahead: SignedAhead | null = null,
): void | Promise<void> {
  // §4.4.2.3: the chain that fits signature_algorithms and certificate_authorities, chosen from
  // the configured ones or by selectClientCertificate (possibly later: credential-hooks.ts, which
  // resolveConfig makes sure the configuration carries with the hook).
  const hook = config.selectClientCertificate;
  // A signature made ahead was for the configured choice, which the same request chooses again.
  const choice =
    ahead !== null
      ? { credentials: ahead.credentials, scheme: ahead.scheme }
      : hook !== null && config.credentialHooks !== null
        ? config.credentialHooks.selectClient(hook, request.extensions, serverName, config.provider, config.privateKeyReading)
        : selectClientCertificate(config.certificateChoices, request.extensions);
  if (choice instanceof Promise) return choice.then((settled) => sendCertificateAndVerify(config, request, transcript, sendHandshake, settled, null));
  return sendCertificateAndVerify(config, request, transcript, sendHandshake, choice, ahead);
}

function sendCertificateAndVerify(
  config: ResolvedConfig,
  request: ReceivedCertificateRequest,
  transcript: FlightTranscript,
  sendHandshake: (message: Uint8Array) => void,
  choice: ClientCertificateChoice,
  ahead: SignedAhead | null,
): void | Promise<void> {
  const credentials = choice.credentials;
  const scheme = choice.credentials !== null ? choice.scheme : undefined;
  if (choice.credentials === null) config.onClientCertificateNotSent?.(choice.reason);
  const certificate = certificateMessage(request, credentials && scheme ? credentials.chain : []);
  transcript.add(certificate);
  if (!credentials || !scheme) {
    sendHandshake(certificate);
    return;
  }

  const content = certificateVerifyContent("client", transcript.hash());
  let signature: Uint8Array | Promise<Uint8Array>;
  try {
    // The choice is the one signed ahead (sendCertificateFlight); the transcript hash is public: a plain comparison.
    signature = ahead !== null && bytesEqual(ahead.content, content) ? (ahead.signed ?? ahead.signature) : credentials.signer.sign(scheme.name, content);
  } catch (error) {
    // As before: the Certificate is out ahead of the alert.
    sendHandshake(certificate);
    throw error;
  }
  const send = (sig: Uint8Array): void => {
    const cv = encodeCertificateVerify({ algorithm: scheme.code, signature: sig });
    transcript.add(cv);
    sendHandshake(cv);
  };
  if (signature instanceof Uint8Array) {
    sendHandshake(certificate);
    return send(signature);
  }
  // A signer that answers later: the Certificate waits for its CertificateVerify, so both leave in
  // one record, as from a synchronous signer, and the server can verify the chain and the
  // signature together (peer-certificate.ts, verifyCertificateVerifyEarly). It goes out before
  // the alert if signing fails.
  return Promise.resolve(signature).then(
    (sig) => {
      sendHandshake(certificate);
      send(sig);
    },
    (error: unknown) => {
      sendHandshake(certificate);
      throw error;
    },
  );
}
