import type { CipherSuite } from "./codec/constants.js";
import { HandshakeType } from "./codec/constants.js";
import type { ResolvedConfig } from "./config.js";
import { exportKeyingMaterial } from "./exporter.js";
import type { HandshakeIO, Step } from "./handshake-io.js";
import type { SuiteKdf } from "./key-schedule.js";
import type { HashContext } from "../crypto/provider.js";
import { toHex } from "../bytes/index.js";
import type { PostHandshakeAuthModule, PostHandshakeAuthentication, ServerCertificateRequest } from "./post-handshake-auth.js";
import { type HandshakeMessage, decodeKeyUpdate, encodeKeyUpdate } from "./codec/messages.js";
import { readNewSessionTicket } from "./codec/received-messages.js";

/** What the handshake hands over when it completes (RFC 8446 §4.6, §7.2, §7.5). */
export interface PostHandshakeInit {
  readonly io: HandshakeIO;
  readonly config: ResolvedConfig;
  readonly kdf: SuiteKdf;
  readonly suite: CipherSuite;
  readonly role: "client" | "server";
  /** application_traffic_secret_0 of each direction. */
  readonly writeSecret: Uint8Array;
  readonly readSecret: Uint8Array;
  readonly exporterSecret: Uint8Array;
  /** ClientHello.random, which names the connection in key-log lines. */
  readonly clientRandom: Uint8Array;
  /**
   * RFC 8446 §4.6.2 post-handshake authentication: whether the client offered post_handshake_auth,
   * the transcript through the client's Finished (each exchange extends a copy of it), and the
   * SNI name (server side, for checking the certificate).
   */
  readonly postHandshakeAuth?: { readonly offered: boolean; readonly transcript: HashContext; readonly serverName: string | null };
}

const NO_RANDOM = new Uint8Array(0);
/** What each role accepts after the handshake, shared by every connection. */
const SERVER_EXPECTS: readonly number[] = [HandshakeType.key_update];
const CLIENT_EXPECTS: readonly number[] = [HandshakeType.key_update, HandshakeType.new_session_ticket];
const CLIENT_EXPECTS_WITH_AUTH: readonly number[] = [...CLIENT_EXPECTS, HandshakeType.certificate_request];

/**
 * Messages after the handshake (RFC 8446 §4.6): NewSessionTicket (accepted by the client) and
 * KeyUpdate in both directions, plus the exporter (§7.5), which lives as long as the session.
 */
export class PostHandshake {
  private writeSecret: Uint8Array;
  private readSecret: Uint8Array;
  /** N of application_traffic_secret_N in each direction, for key-log lines. */
  private writeGeneration = 0;
  private readGeneration = 0;
  /** §4.6.3: the peer asked for an update we have not sent yet; answered once per batch of input. */
  private answerDue = false;
  private readonly baseStep: Step;
  /** Server: the post-handshake CertificateRequest awaiting the client's answer (§4.6.2). */
  private certificateRequest: ServerCertificateRequest | null = null;
  /** Server: told the outcome of each post-handshake client authentication. */
  onClientAuthenticated: ((outcome: PostHandshakeAuthentication) => void) | null = null;
  /** Client that offered post_handshake_auth: the handshake transcript each CertificateRequest's answer extends (§4.6.2). */
  private readonly answerableRequests: HashContext | null;

  private readonly init: PostHandshakeInit;

  constructor(init: PostHandshakeInit) {
    const pha = init.postHandshakeAuth;
    // An established connection keeps only what it can still use (issue 15): the transcript when
    // the client offered post_handshake_auth, ClientHello.random when there is a key log.
    this.init = {
      ...init,
      clientRandom: init.config.keyLog ? init.clientRandom : NO_RANDOM,
      postHandshakeAuth: pha?.offered ? pha : undefined,
    };
    this.writeSecret = init.writeSecret;
    this.readSecret = init.readSecret;
    // The client offers post_handshake_auth only with the module (client/options.ts).
    this.answerableRequests = init.role === "client" && pha?.offered && init.config.postHandshakeAuthentication !== null ? pha.transcript : null;
    // §4.6.2: a client that did not offer post_handshake_auth gets unexpected_message for a CertificateRequest.
    const expects = init.role === "server" ? SERVER_EXPECTS : this.answerableRequests !== null ? CLIENT_EXPECTS_WITH_AUTH : CLIENT_EXPECTS;
    this.baseStep = { name: "Connected", expects, handle: (m) => this.processPostHandshake(m) };
  }

  /** The current state: while a post-handshake CertificateRequest is outstanding, also its next message. */
  get step(): Step {
    const request = this.certificateRequest;
    if (request === null) return this.baseStep;
    return { name: "ExpectPostHandshakeClientAuthentication", expects: [...this.baseStep.expects, request.expected], handle: this.baseStep.handle };
  }

  /** Server: whether the client offered post_handshake_auth (§4.2.6). */
  get peerOffersPostHandshakeAuth(): boolean {
    return this.init.role === "server" && this.init.postHandshakeAuth?.offered === true;
  }

  /** Server: whether a post-handshake CertificateRequest is still unanswered. */
  get clientAuthenticationPending(): boolean {
    return this.certificateRequest !== null;
  }

  /**
   * Server, RFC 8446 §4.6.2: sends a CertificateRequest to the established client through the
   * module's `request`. ServerConnection.requestClientCertificate has checked that the client
   * offered post_handshake_auth (the constructor keeps the offer only then) and that no request is
   * outstanding.
   */
  sendCertificateRequest(auth: PostHandshakeAuthModule): void {
    const { config, kdf, io, postHandshakeAuth } = this.init;
    if (postHandshakeAuth === undefined) return;
    this.certificateRequest = auth.request(config, kdf, postHandshakeAuth, (m) => io.sendHandshake(m));
  }

  get suite(): CipherSuite {
    return this.init.suite;
  }

  private processPostHandshake(m: HandshakeMessage): void | Promise<void> {
    const transcript = this.answerableRequests;
    const auth = this.init.config.postHandshakeAuthentication;
    if (m.type === HandshakeType.certificate_request && transcript !== null && auth !== null) {
      return auth.answer(
        this.init.config,
        this.init.kdf,
        transcript,
        m,
        () => this.writeSecret,
        (x) => this.init.io.sendHandshake(x),
        this.init.postHandshakeAuth?.serverName ?? null,
      );
    }
    if (this.certificateRequest !== null && m.type !== HandshakeType.key_update) {
      const outcome = this.certificateRequest.process(m, this.readSecret);
      if (outcome !== null) {
        this.certificateRequest = null;
        this.onClientAuthenticated?.(outcome);
      }
      return;
    }
    if (m.type === HandshakeType.new_session_ticket) {
      // A ticket nobody keeps is still read, so a malformed one fails as it would when kept (§4.6.1).
      readNewSessionTicket(m.body);
      return;
    }
    this.processKeyUpdate(m);
  }

  /**
   * §4.6.3: switch our read key. If asked, we owe the peer one KeyUpdate of our own "prior to
   * sending its next Application Data record"; several requests that arrive together are
   * answered by a single update (`answerKeyUpdate`, called once the input is processed).
   */
  private processKeyUpdate(m: HandshakeMessage): void {
    const updateRequested = decodeKeyUpdate(m.body);
    this.readSecret = this.init.kdf.nextTrafficSecret(this.readSecret);
    this.readGeneration++;
    this.logTrafficSecret(this.init.role === "client" ? "SERVER" : "CLIENT", this.readGeneration, this.readSecret);
    this.init.io.setReadSecret(this.init.suite, this.readSecret, "application");
    if (updateRequested) this.answerDue = true;
  }

  /** Sends the KeyUpdate the peer asked for, if one is still owed. */
  answerKeyUpdate(): void {
    if (this.answerDue) this.sendKeyUpdate(false);
  }

  /** §4.6.3: sends a KeyUpdate and switches to the next write key (§7.2). */
  sendKeyUpdate(requestPeerUpdate: boolean): void {
    this.answerDue = false;
    this.init.io.sendHandshake(encodeKeyUpdate(requestPeerUpdate));
    this.writeSecret = this.init.kdf.nextTrafficSecret(this.writeSecret);
    this.writeGeneration++;
    this.logTrafficSecret(this.init.role === "client" ? "CLIENT" : "SERVER", this.writeGeneration, this.writeSecret);
    this.init.io.setWriteSecret(this.init.suite, this.writeSecret, "application");
  }

  /** §7.5 exporter over exporter_master_secret. */
  exportKeyingMaterial(label: string, context: Uint8Array | undefined, length: number): Uint8Array {
    return exportKeyingMaterial(this.init.config.provider, this.init.suite, this.init.exporterSecret, label, context, length);
  }

  /** NSS key-log names for updated secrets: CLIENT_TRAFFIC_SECRET_N / SERVER_TRAFFIC_SECRET_N. */
  private logTrafficSecret(side: "CLIENT" | "SERVER", generation: number, secret: Uint8Array): void {
    this.init.config.keyLog?.(`${side}_TRAFFIC_SECRET_${generation} ${toHex(this.init.clientRandom)} ${toHex(secret)}`);
  }
}
