import { fail } from "../bytes/index.js";
import { Allowance } from "./allowance.js";
import type { Limits } from "../handshake/config.js";
import { HandshakeType } from "../handshake/codec/constants.js";
import { ContentType } from "../record/index.js";
import type { HandshakeMessage } from "../handshake/codec/messages.js";

/**
 * Counts what a peer makes us do, record by record, against the configured `Limits` (issue 7).
 * Each check names the limit and its value, so the person reading the error knows what to raise.
 */
export class PeerLimits {
  private recordsBeforeHandshake = 0;
  private emptyInARow = 0;
  private warningsInARow = 0;
  /** KeyUpdates we asked for (update_requested) and the peer has not yet answered. */
  private keyUpdatesRequested = 0;
  /**
   * What the peer may still send after the handshake on its own (issue 11 §3; see `Limits`). Each
   * is made when the first such message arrives: a bucket starts full and never holds more, so one
   * made then is in the state one made with the connection would be (what data earned before is
   * capped away), and an idle connection holds none (issue 15).
   */
  private keyUpdates: Allowance | null = null;
  private newSessionTickets: Allowance | null = null;
  private certificateRequests: Allowance | null = null;

  /** `clock`: the configured clock (the core has no timers); shared, so a connection holds no closure of its own. */
  constructor(
    private readonly limits: Limits,
    private readonly clock: () => Date,
  ) {}

  private allowance(max: number, bytesPerToken: number, msPerToken: number): Allowance {
    const clock = this.clock;
    return new Allowance(max, bytesPerToken, msPerToken, () => clock().getTime());
  }

  /** Every record the peer sends, before its content is processed. */
  onRecord(type: number, contentLength: number, handshakeComplete: boolean): void {
    if (!handshakeComplete && ++this.recordsBeforeHandshake > this.limits.maxRecordsBeforeHandshake) {
      fail(
        "unexpected_message",
        `more than ${this.limits.maxRecordsBeforeHandshake} records before the handshake completed (limits.maxRecordsBeforeHandshake)`,
        "limit_exceeded",
      );
    }
    // A dropped change_cipher_spec (§5) carries nothing either.
    const empty = contentLength === 0 || type === ContentType.change_cipher_spec;
    if (!empty) this.emptyInARow = 0;
    else if (++this.emptyInARow > this.limits.maxEmptyRecords) {
      fail("unexpected_message", `more than ${this.limits.maxEmptyRecords} empty records in a row (limits.maxEmptyRecords)`, "limit_exceeded");
    }
    if (type !== ContentType.alert) this.warningsInARow = 0;
    if (type === ContentType.application_data && handshakeComplete) {
      this.keyUpdates?.earn(contentLength);
      this.newSessionTickets?.earn(contentLength);
    }
  }

  /** A warning alert (§6: user_canceled) the peer sent. */
  onWarningAlert(): void {
    if (++this.warningsInARow > this.limits.maxWarningAlerts) {
      fail("unexpected_message", `more than ${this.limits.maxWarningAlerts} warning alerts in a row (limits.maxWarningAlerts)`, "limit_exceeded");
    }
  }

  /** Received application data about to be queued behind `waiting` unread bytes. */
  onApplicationData(waiting: number, length: number): void {
    if (waiting + length > this.limits.maxBufferedPlaintext) {
      fail(
        "internal_error",
        `more than ${this.limits.maxBufferedPlaintext} bytes of received data wait to be read (limits.maxBufferedPlaintext): call read() between receive() calls`,
        "limit_exceeded",
      );
    }
  }

  /** We sent a KeyUpdate with update_requested: the peer's answer does not count against the limit. */
  onKeyUpdateRequested(): void {
    this.keyUpdatesRequested++;
  }

  /** A complete handshake message, before its state handles it; `afterHandshake` once the handshake is complete. */
  onHandshakeMessage(message: HandshakeMessage, afterHandshake = false): void {
    if (message.type === HandshakeType.key_update) {
      // §4.6.3: a peer answers each update_requested, possibly after a burst of them, back to back.
      if (this.keyUpdatesRequested > 0) {
        this.keyUpdatesRequested--;
        return;
      }
      // Each one rebuilds our read key (the AES-GCM GHASH table is 64 KiB), and with
      // update_requested our write key too.
      this.keyUpdates ??= this.allowance(this.limits.maxKeyUpdates, this.limits.bytesPerPostHandshakeMessage, this.limits.msPerPostHandshakeMessage);
      if (!this.keyUpdates.take()) this.overAllowance("KeyUpdates", "maxKeyUpdates", this.limits.maxKeyUpdates);
      return;
    }
    if (afterHandshake && message.type === HandshakeType.new_session_ticket) {
      // Each one costs an HKDF derivation and a place in the session store (§4.6.1).
      this.newSessionTickets ??= this.allowance(
        this.limits.maxNewSessionTickets,
        this.limits.bytesPerPostHandshakeMessage,
        this.limits.msPerPostHandshakeMessage,
      );
      if (!this.newSessionTickets.take()) this.overAllowance("NewSessionTickets", "maxNewSessionTickets", this.limits.maxNewSessionTickets);
      return;
    }
    if (afterHandshake && message.type === HandshakeType.certificate_request) {
      // §4.6.2: each one makes us sign; a server may ask again, but not without limit.
      // Each request costs us a signature, worth far more than any data: earned back by time only.
      this.certificateRequests ??= this.allowance(this.limits.maxCertificateRequests, Infinity, this.limits.msPerCertificateRequest);
      if (!this.certificateRequests.take()) {
        fail(
          "unexpected_message",
          `the peer sent post-handshake CertificateRequests faster than allowed: ${this.limits.maxCertificateRequests} at once, ` +
            `then one per ${this.limits.msPerCertificateRequest} ms (limits.maxCertificateRequests, limits.msPerCertificateRequest)`,
          "limit_exceeded",
        );
      }
    }
    checkMessageShape(message, this.limits);
  }

  private overAllowance(what: string, limit: keyof Limits, max: number): never {
    return fail(
      "unexpected_message",
      `the peer sent ${what} faster than allowed: ${max} at once, then one per ${this.limits.bytesPerPostHandshakeMessage} bytes of application data ` +
        `or per ${this.limits.msPerPostHandshakeMessage} ms (limits.${limit}, limits.bytesPerPostHandshakeMessage, limits.msPerPostHandshakeMessage)`,
      "limit_exceeded",
    );
  }
}

/**
 * Extension counts and certificate chain length, read from the wire layout (§4) without
 * decoding: a malformed message is left for its decoder to refuse with decode_error.
 */
function checkMessageShape(message: HandshakeMessage, limits: Limits): void {
  const b = message.body;
  switch (message.type) {
    case HandshakeType.client_hello: {
      // legacy_version(2) random(32) session_id<1> cipher_suites<2> compression<1> extensions<2>
      let at = 34;
      at += 1 + (b[at] ?? 0);
      at += 2 + (((b[at] ?? 0) << 8) | (b[at + 1] ?? 0));
      at += 1 + (b[at] ?? 0);
      return checkExtensionBlock(b, at, limits, "ClientHello");
    }
    case HandshakeType.server_hello: {
      // legacy_version(2) random(32) session_id<1> cipher_suite(2) compression(1) extensions<2>
      const at = 34 + 1 + (b[34] ?? 0) + 3;
      return checkExtensionBlock(b, at, limits, "ServerHello");
    }
    case HandshakeType.encrypted_extensions:
      return checkExtensionBlock(b, 0, limits, "EncryptedExtensions");
    case HandshakeType.certificate_request:
      return checkExtensionBlock(b, 1 + (b[0] ?? 0), limits, "CertificateRequest");
    case HandshakeType.certificate:
      return checkCertificateEntries(b, limits);
    default:
      return;
  }
}

/** Counts the extensions of the `extensions<2>` block at `at`; stops quietly where the bytes run out. */
function checkExtensionBlock(b: Uint8Array, at: number, limits: Limits, what: string): void {
  if (at + 2 > b.length) return;
  const end = Math.min(b.length, at + 2 + ((b[at] << 8) | b[at + 1]));
  let count = 0;
  for (let p = at + 2; p + 4 <= end; p += 4 + ((b[p + 2] << 8) | b[p + 3])) {
    if (++count > limits.maxExtensions)
      fail("illegal_parameter", `${what} with more than ${limits.maxExtensions} extensions (limits.maxExtensions)`, "limit_exceeded");
  }
}

/** §4.4.2: certificate_request_context<1>, then CertificateEntry { cert_data<3>, extensions<2> } list<3>. */
function checkCertificateEntries(b: Uint8Array, limits: Limits): void {
  let p = 1 + (b[0] ?? 0) + 3;
  let count = 0;
  while (p + 3 <= b.length) {
    if (++count > limits.maxCertificateChainLength) {
      fail("bad_certificate", `more than ${limits.maxCertificateChainLength} certificates (limits.maxCertificateChainLength)`, "limit_exceeded");
    }
    p += 3 + ((b[p] << 16) | (b[p + 1] << 8) | b[p + 2]);
    if (p + 2 > b.length) return;
    checkExtensionBlock(b, p, limits, "CertificateEntry");
    p += 2 + ((b[p] << 8) | b[p + 1]);
  }
}
