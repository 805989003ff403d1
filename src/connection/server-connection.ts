import { type ServerConfig, resolveConfig } from "../handshake/config.js";
import type { Step } from "../handshake/handshake-io.js";
import { ServerHandshake } from "../handshake/server/handshake.js";
import type { PeerIdentity } from "../x509/index.js";
import { Connection } from "./connection.js";

/** A TLS 1.3 server: feed it the client's bytes with `receive()`. */
export class ServerConnection extends Connection {
  /** Null once the handshake is complete: the post-handshake state takes over. */
  private inProgress: ServerHandshake | null;

  constructor(config: ServerConfig) {
    super(resolveConfig(config));
    this.inProgress = new ServerHandshake(this.config, config, this.io);
  }

  /** The client offered post_handshake_auth (RFC 8446 §4.2.6): it can be asked for a certificate later. */
  get peerOffersPostHandshakeAuth(): boolean {
    return this.clientOffersPostHandshakeAuth;
  }

  /**
   * RFC 8446 §4.6.2: asks the established client for a certificate (it must have offered
   * post_handshake_auth). Resolves with the identity it proves, or null if it sends none, once its
   * answer has been fed to `receive()`; `result.peerIdentity` is updated then. A bad answer is fatal.
   */
  requestClientCertificate(): Promise<PeerIdentity | null> {
    return this.requestCertificateAfterHandshake();
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
