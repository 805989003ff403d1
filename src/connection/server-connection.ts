import { type ServerConfig, resolveConfig } from "../handshake/config.js";
import type { Step } from "../handshake/handshake-io.js";
import { ServerHandshake } from "../handshake/server.js";
import { Connection } from "./connection.js";

/** A TLS 1.3 server: feed it the client's bytes with `receive()`. */
export class ServerConnection extends Connection {
  private readonly handshake: ServerHandshake;

  constructor(config: ServerConfig) {
    super(resolveConfig(config));
    this.handshake = new ServerHandshake(this.config, config, this.io);
  }

  protected get step(): Step {
    return this.handshake.step;
  }

  protected get helloSeen(): boolean {
    return this.handshake.step.name !== "ExpectClientHello";
  }
}
