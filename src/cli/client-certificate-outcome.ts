/**
 * What became of our client certificate, as the engine shows it: whether the server sent a
 * CertificateRequest (RFC 8446 §4.3.2), whether we answered with a CertificateVerify (§4.4.3, so a
 * certificate went with it), and, when the engine held the certificate back, its reason
 * (ClientConfig.onClientCertificateNotSent: no configured chain fits the server's
 * signature_algorithms or certificate_authorities).
 */
import { HandshakeType } from "../handshake/codec/constants.js";

export interface ClientCertificateOutcome {
  /** The server asked for a certificate during the handshake. */
  readonly requested: boolean;
  /** We sent one (a non-empty Certificate and its CertificateVerify). */
  readonly sent: boolean;
  /** Why none was sent although one was asked for; null otherwise. */
  readonly reason: string | null;
}

export interface ClientCertificateWatch {
  /** Engine hooks to pass in ClientConfig. */
  readonly config: {
    readonly onHandshakeMessage: (direction: "sent" | "received", message: Uint8Array) => void;
    readonly onClientCertificateNotSent: (reason: string) => void;
  };
  /** The outcome so far; read it when the handshake completes or fails. */
  outcome(): ClientCertificateOutcome;
}

export function watchClientCertificate(): ClientCertificateWatch {
  let requested = false;
  let sent = false;
  let reason: string | null = null;
  let finished = false;
  return {
    config: {
      onHandshakeMessage(direction, message) {
        // Post-handshake requests (§4.6.2) are another story: the handshake's outcome is fixed at our Finished.
        if (finished) return;
        if (direction === "received" && message[0] === HandshakeType.certificate_request) requested = true;
        if (direction === "sent" && message[0] === HandshakeType.certificate_verify) sent = true;
        if (direction === "sent" && message[0] === HandshakeType.finished) finished = true;
      },
      onClientCertificateNotSent(why) {
        reason = why;
      },
    },
    outcome: () => ({ requested, sent, reason: requested && !sent ? (reason ?? "the engine gave no reason") : null }),
  };
}

/** One line for stderr. `configured`: whether --cert/--key were given. */
export function describeClientCertificate(outcome: ClientCertificateOutcome, configured: boolean, subject: string | undefined): string {
  if (outcome.sent) return `client certificate sent (${subject ?? "configured certificate"})`;
  if (!outcome.requested)
    return configured ? "client certificate not sent: the server did not ask for one" : "no client certificate: the server did not ask for one";
  if (!configured) return "client certificate not sent: the server asked for one, but no --cert/--key was given";
  return `client certificate held back: ${(outcome.reason ?? "").replace(/^no client certificate was sent: /, "")}`;
}
