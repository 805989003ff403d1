/**
 * The client's certificate flight (RFC 8446 §4.4.2, §4.4.3): Certificate, then CertificateVerify
 * when one of the configured chains fits the CertificateRequest.
 */
import { certificateVerifyContent } from "../signer.js";
import { selectClientCertificate } from "../certificate-selection.js";
import type { ResolvedConfig } from "../config.js";
import { encodeCertificate, encodeCertificateVerify } from "../codec/messages.js";
import type { ReceivedCertificateRequest } from "../codec/received-messages.js";

/** The running transcript the flight extends: each message is added before the next is signed or sent. */
export interface FlightTranscript {
  add(message: Uint8Array): void;
  hash(): Uint8Array;
}

/**
 * §4.4.2 and §4.4.3: answer a CertificateRequest with our chain and a CertificateVerify, or an
 * empty Certificate when we have no certificate whose key fits the server's signature_algorithms.
 * The signer may be asynchronous; then so is the CertificateVerify.
 */
export function sendCertificateFlight(
  config: ResolvedConfig,
  request: ReceivedCertificateRequest,
  transcript: FlightTranscript,
  sendHandshake: (message: Uint8Array) => void,
): void | Promise<void> {
  // §4.4.2.3: pick the configured chain that fits signature_algorithms and certificate_authorities.
  const choice = selectClientCertificate(config.certificateChoices, request.extensions);
  const credentials = choice.credentials;
  const scheme = choice.credentials !== null ? choice.scheme : undefined;
  if (choice.credentials === null) config.onClientCertificateNotSent?.(choice.reason);
  const chain = credentials && scheme ? credentials.chain : [];
  const certificate = encodeCertificate({
    certificateRequestContext: request.certificateRequestContext,
    certificateList: chain.map((certData) => ({ certData, extensions: [] })),
  });
  transcript.add(certificate);
  sendHandshake(certificate);
  if (!credentials || !scheme) return;

  const content = certificateVerifyContent("client", transcript.hash());
  const signature = credentials.signer.sign(scheme.name, content);
  const send = (sig: Uint8Array): void => {
    const cv = encodeCertificateVerify({ algorithm: scheme.code, signature: sig });
    transcript.add(cv);
    sendHandshake(cv);
  };
  if (signature instanceof Uint8Array) return send(signature);
  return Promise.resolve(signature).then(send);
}
