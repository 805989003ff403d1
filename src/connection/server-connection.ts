import { type TLSError, missingModule } from "../bytes/index.js";
import { type ServerConfig, resolveConfig } from "../handshake/config.js";
import type { Step } from "../handshake/handshake-io.js";
import type { PostHandshakeAuthentication } from "../handshake/post-handshake-auth.js";
import { ServerHandshake } from "../handshake/server/handshake.js";
import type { PeerIdentity } from "../x509/index.js";
import { Connection } from "./connection.js";

/** A TLS 1.3 server: feed it the client's bytes with `receive()`. */
export class ServerConnection extends Connection {
  /** Null once the handshake is complete: the post-handshake state takes over. */
  private inProgress: ServerHandshake | null;
  /**
   * Waiting for the client's answer to our post-handshake CertificateRequest (§4.6.2). The server
   * side of post-handshake authentication lives here, not in Connection, so a client's bundle
   * does not carry it (issue 15).
   */
  private clientAuthenticationWaiters: { resolve: (identity: PeerIdentity | null) => void; reject: (e: TLSError) => void }[] = [];

  constructor(config: ServerConfig) {
    super(resolveConfig(config));
    this.inProgress = new ServerHandshake(this.config, config, this.io);
  }

  /** The client offered post_handshake_auth (RFC 8446 §4.2.6): it can be asked for a certificate later. */
  get peerOffersPostHandshakeAuth(): boolean {
    return this.session?.peerOffersPostHandshakeAuth ?? false;
  }

  /**
   * RFC 8446 §4.6.2: asks the established client for a certificate (it must have offered
   * post_handshake_auth). Resolves with the identity it proves, or null if it sends none, once its
   * answer has been fed to `receive()`; `result.peerIdentity` is updated then. A bad answer is fatal.
   */
  requestClientCertificate(): Promise<PeerIdentity | null> {
    if (this.error) return Promise.reject(this.error);
    const session = this.session;
    if (!session) throw new Error("requestClientCertificate() before the handshake completed");
    if (this.closeSent) throw new Error("requestClientCertificate() after close()");
    if (!session.peerOffersPostHandshakeAuth) {
      throw new Error("the client did not offer post_handshake_auth, so it cannot be asked for a certificate after the handshake");
    }
    if (session.clientAuthenticationPending) throw new Error("a post-handshake certificate request is already waiting for the client's answer");
    const auth = this.config.postHandshakeAuthentication;
    if (auth === null) {
      throw missingModule("requestClientCertificate()", "postHandshakeAuthentication", " in the server config");
    }
    session.onClientAuthenticated = (outcome) => this.applyClientAuthentication(outcome);
    session.sendCertificateRequest(auth);
    return new Promise((resolve, reject) => this.clientAuthenticationWaiters.push({ resolve, reject }));
  }

  /** The client's answer checked out: its identity becomes the connection's peer, and the waiters learn it. */
  private applyClientAuthentication(outcome: PostHandshakeAuthentication): void {
    if (outcome.peer !== null && this.handshakeResult !== null) {
      this.handshakeResult = {
        ...this.handshakeResult,
        peerCertificates: outcome.peer.chain,
        peerIdentity: outcome.peer.identity,
        peerSignatureScheme: outcome.scheme?.name ?? null,
      };
    }
    const waiters = this.clientAuthenticationWaiters;
    this.clientAuthenticationWaiters = [];
    for (const w of waiters) w.resolve(outcome.peer?.identity ?? null);
  }

  /** A fatal error also fails every request still waiting for the client's answer. */
  protected override abort(e: unknown): TLSError {
    const failure = super.abort(e);
    const waiters = this.clientAuthenticationWaiters;
    this.clientAuthenticationWaiters = [];
    for (const w of waiters) w.reject(failure);
    return failure;
  }

  protected get step(): Step {
    if (this.inProgress === null) throw new Error("no handshake step after the handshake completed");
    return this.inProgress.step;
  }

  protected get helloSeen(): boolean {
    return this.inProgress === null || this.inProgress.clientHelloReceived;
  }

  protected dropHandshake(): void {
    this.inProgress = null;
  }
}
