import type { CipherSuite } from "./constants.js";
import { HandshakeType } from "./constants.js";
import { checkExtensionsAllowed } from "./extensions.js";
import type { HandshakeIO, Step } from "./handshake-io.js";
import type { KeySchedule } from "./key-schedule.js";
import { type HandshakeMessage, decodeKeyUpdate, decodeNewSessionTicket, encodeKeyUpdate } from "./messages.js";

/**
 * Messages after the handshake (RFC 8446 §4.6): NewSessionTicket (accepted by the client; storing
 * tickets for resumption comes with the session-features work) and KeyUpdate in both directions.
 * We never offer post_handshake_auth, so a post-handshake CertificateRequest is unexpected (§4.6.2).
 */
export class PostHandshake {
  readonly step: Step;

  constructor(
    private readonly io: HandshakeIO,
    private readonly schedule: KeySchedule,
    private readonly suite: CipherSuite,
    role: "client" | "server",
    private writeSecret: Uint8Array,
    private readSecret: Uint8Array,
  ) {
    const expects: number[] = [HandshakeType.key_update];
    if (role === "client") expects.push(HandshakeType.new_session_ticket);
    this.step = { name: "Connected", expects, handle: (m) => this.processPostHandshake(m) };
  }

  private processPostHandshake(m: HandshakeMessage): void {
    if (m.type === HandshakeType.new_session_ticket) {
      checkExtensionsAllowed("new_session_ticket", decodeNewSessionTicket(m.body).extensions, null, "NewSessionTicket");
      return;
    }
    this.processKeyUpdate(m);
  }

  /** §4.6.3: switch our read key; if asked, answer with our own KeyUpdate before switching the write key. */
  private processKeyUpdate(m: HandshakeMessage): void {
    const updateRequested = decodeKeyUpdate(m.body);
    this.readSecret = this.schedule.nextTrafficSecret(this.readSecret);
    this.io.setReadSecret(this.suite, this.readSecret, "application");
    if (updateRequested) this.sendKeyUpdate(false);
  }

  /** Sends a KeyUpdate and switches to the next write key (§7.2). */
  sendKeyUpdate(requestPeerUpdate: boolean): void {
    this.io.sendHandshake(encodeKeyUpdate(requestPeerUpdate));
    this.writeSecret = this.schedule.nextTrafficSecret(this.writeSecret);
    this.io.setWriteSecret(this.suite, this.writeSecret, "application");
  }
}
