import { constantTimeEqual, fail } from "../bytes/index.js";
import type { HashContext } from "../crypto/provider.js";
import { sendCertificateFlight } from "./client/certificate.js";
import type { ResolvedConfig } from "./config.js";
import { ExtensionType, HandshakeType, type SignatureScheme } from "./codec/constants.js";
import { type Extension, encodeCertificateAuthorities, encodeU16List } from "./codec/extensions.js";
import type { SuiteKdf } from "./key-schedule.js";
import { type HandshakeMessage, decodeFinished, encodeCertificateRequest, encodeFinished } from "./codec/messages.js";
import { readCertificateRequest } from "./codec/received-messages.js";
import { type VerifiedPeer, verificationBudget } from "./peer-verification.js";
import { type CertificateAsked, checkPeerCertificate, checkPeerCertificateVerify } from "./peer-certificate.js";

/** The client's answer to a post-handshake CertificateRequest, as the server verified it. */
export interface PostHandshakeAuthentication {
  /** The client's validated certificate, or null when it answered with an empty Certificate. */
  readonly peer: VerifiedPeer | null;
  readonly scheme: SignatureScheme | null;
}

/**
 * RFC 8446 §4.6.2, server side: one outstanding post-handshake CertificateRequest. Its transcript
 * is the handshake's (through the client's Finished) followed by this exchange's own messages, so
 * each request branches from a copy of the handshake transcript (§4.4.1).
 */
export class ServerCertificateRequest {
  private state: AwaitCertificate | AwaitCertificateVerify | AwaitFinished = new AwaitCertificate();

  private constructor(
    private readonly config: ResolvedConfig,
    private readonly kdf: SuiteKdf,
    /** What this request asks the client for: judged as a Certificate during the handshake is (peer-certificate.ts). */
    private readonly asked: CertificateAsked,
    private readonly transcript: HashContext,
  ) {}

  /** §4.3.2: a fresh, non-empty certificate_request_context, signature_algorithms and (optionally) our CAs. */
  static send(
    config: ResolvedConfig,
    kdf: SuiteKdf,
    handshake: { readonly transcript: HashContext; readonly serverName: string | null },
    sendHandshake: (m: Uint8Array) => void,
  ): ServerCertificateRequest {
    const context = config.provider.randomBytes(16);
    const extensions: Extension[] = [{ type: ExtensionType.signature_algorithms, data: encodeU16List(config.acceptedSchemes.map((s) => s.code)) }];
    if (config.trustAnchors.length > 0 && config.trustAnchors.length <= 16) {
      extensions.push({ type: ExtensionType.certificate_authorities, data: encodeCertificateAuthorities(config.trustAnchors.map((a) => a.subject.der)) });
    }
    const request = encodeCertificateRequest({ certificateRequestContext: context, extensions });
    const transcript = handshake.transcript.clone();
    transcript.update(request);
    sendHandshake(request);
    const asked: CertificateAsked = {
      peerRole: "client",
      context,
      offeredExtensions: new Set(extensions.map((e) => e.type)),
      // §4.4.2.4: an empty answer is allowed; the application learns that the client has no certificate.
      required: false,
      serverName: handshake.serverName,
      // Each request gets its own budget (limits.maxVerificationCost): the client cannot add requests.
      budget: verificationBudget(config),
    };
    return new ServerCertificateRequest(config, kdf, asked, transcript);
  }

  /** The message type this exchange waits for next. */
  get expected(): number {
    return this.state.expected;
  }

  /**
   * Takes the next message of the client's answer. Returns the outcome once the client's Finished
   * (keyed by its current application_traffic_secret_N, §4.4) checks out, else null.
   */
  process(m: HandshakeMessage, clientTrafficSecret: Uint8Array): PostHandshakeAuthentication | null {
    const state = this.state;
    if (state instanceof AwaitCertificate) {
      this.state = this.processClientCertificate(m);
      return null;
    }
    if (state instanceof AwaitCertificateVerify) {
      this.state = this.processClientCertificateVerify(state, m);
      return null;
    }
    return this.processClientFinished(state, m, clientTrafficSecret);
  }

  /** §4.4.2: the client's Certificate answers this request (peer-certificate.ts). */
  private processClientCertificate(m: HandshakeMessage): AwaitCertificateVerify | AwaitFinished {
    const peer = checkPeerCertificate(this.config, m.body, this.asked);
    this.transcript.update(m.raw);
    return peer === null ? new AwaitFinished(null, null) : new AwaitCertificateVerify(peer);
  }

  /** §4.4.3 */
  private processClientCertificateVerify(state: AwaitCertificateVerify, m: HandshakeMessage): AwaitFinished {
    const scheme = checkPeerCertificateVerify(this.config, m.body, this.asked, state.peer, this.transcript.digest());
    this.transcript.update(m.raw);
    return new AwaitFinished(state.peer, scheme);
  }

  /** §4.4.4 */
  private processClientFinished(state: AwaitFinished, m: HandshakeMessage, clientTrafficSecret: Uint8Array): PostHandshakeAuthentication {
    const verifyData = decodeFinished(m.body, this.kdf.hashLength);
    const expected = this.kdf.finishedVerifyData(clientTrafficSecret, this.transcript.digest());
    if (!constantTimeEqual(verifyData, expected)) fail("decrypt_error", "the client's post-handshake Finished is wrong: the exchange was tampered with");
    return { peer: state.peer, scheme: state.scheme };
  }
}

/** The states of one post-handshake authentication exchange, server side (§4.6.2): each holds only what is valid there. */
class AwaitCertificate {
  readonly expected = HandshakeType.certificate;
}

class AwaitCertificateVerify {
  readonly expected = HandshakeType.certificate_verify;
  constructor(readonly peer: VerifiedPeer) {}
}

class AwaitFinished {
  readonly expected = HandshakeType.finished;
  constructor(
    readonly peer: VerifiedPeer | null,
    readonly scheme: SignatureScheme | null,
  ) {}
}

/**
 * RFC 8446 §4.6.2, client side: answers a post-handshake CertificateRequest with Certificate,
 * CertificateVerify (when we have a fitting certificate) and Finished, keyed by our current
 * client_application_traffic_secret_N (§4.4). The signer may be asynchronous, and a KeyUpdate of
 * ours may go out while it signs; so the secret is read when the Finished is made, not before.
 */
export function answerCertificateRequest(
  config: ResolvedConfig,
  kdf: SuiteKdf,
  handshakeTranscript: HashContext,
  m: HandshakeMessage,
  currentClientTrafficSecret: () => Uint8Array,
  sendHandshake: (message: Uint8Array) => void,
  serverName: string | null,
): void | Promise<void> {
  // §4.3.2: signature_algorithms is required (checked as it is read).
  const request = readCertificateRequest(m.body);
  // §4.3.2: "[the context] shall be zero length unless used for the post-handshake authentication exchanges".
  if (request.certificateRequestContext.length === 0) fail("illegal_parameter", "a post-handshake CertificateRequest must carry a non-empty context");
  const transcript = handshakeTranscript.clone();
  transcript.update(m.raw);
  // The flight goes out whole, after the (possibly asynchronous) signature: none of it may be
  // interleaved with other handshake messages (§5.1).
  const messages: Uint8Array[] = [];
  const finish = (): void => {
    const finished = encodeFinished(kdf.finishedVerifyData(currentClientTrafficSecret(), transcript.digest()));
    for (const message of [...messages, finished]) sendHandshake(message);
  };
  const flight = sendCertificateFlight(
    config,
    request,
    { add: (x) => transcript.update(x), hash: () => transcript.digest() },
    (x) => messages.push(x),
    serverName,
  );
  return flight ? flight.then(finish) : finish();
}

/**
 * Post-handshake authentication (RFC 8446 §4.6.2) as a module for the engine's
 * `postHandshakeAuthentication` option: the client's answer to a CertificateRequest after the
 * handshake, and the server's request. The `mutls` entry supplies it to every configuration;
 * a `mutls/core` client passes it with `postHandshakeAuth: true`, a server to call
 * `requestClientCertificate()`.
 */
export interface PostHandshakeAuthModule {
  readonly answer: typeof answerCertificateRequest;
  readonly request: typeof ServerCertificateRequest.send;
}

export const postHandshakeAuthentication: PostHandshakeAuthModule = {
  answer: answerCertificateRequest,
  request: (config, kdf, handshake, sendHandshake) => ServerCertificateRequest.send(config, kdf, handshake, sendHandshake),
};
