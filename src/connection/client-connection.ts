import { ClientHandshake } from "../handshake/client/handshake.js";
import { type ClientConfig, resolveConfig } from "../handshake/config.js";
import type { Step } from "../handshake/handshake-io.js";
import { Connection } from "./connection.js";

/** A TLS 1.3 client. The ClientHello is queued on construction: call `takeOutput()` first. */
export class ClientConnection extends Connection {
  /** Null once the handshake is complete: the post-handshake state takes over. */
  private inProgress: ClientHandshake | null;

  constructor(config: ClientConfig) {
    super(resolveConfig(config));
    const handshake = new ClientHandshake(this.config, config, this.io);
    this.inProgress = handshake;
    // The key shares may come from an asynchronous provider: the ClientHello then goes out once
    // they exist, and `pending` is set until then.
    this.start(
      () => handshake.sendClientHello(),
      () => this.sendFirstFlight(handshake),
    );
  }

  /** The ClientHello's record, then any 0-RTT data after it. */
  private sendFirstFlight(handshake: ClientHandshake): void {
    // RFC 8446 §5.1: an initial ClientHello may carry legacy_record_version 0x0301 for old middleboxes.
    this.setPlaintextRecordVersion(0x0301);
    this.flushHandshake();
    // §5.1: only the first ClientHello may carry record version 0x0301; the §D.4
    // change_cipher_spec and 0-RTT records that follow it use 0x0303.
    this.setPlaintextRecordVersion(0x0303);
    // The handshake cannot complete before the server answers, so `inProgress` is still current here.
    handshake.sendEarlyData();
  }

  protected get step(): Step {
    if (this.inProgress === null) throw new Error("no handshake step after the handshake completed");
    return this.inProgress.step;
  }

  protected get helloSeen(): boolean {
    return true;
  }

  protected dropHandshake(): void {
    this.inProgress = null;
  }
}
