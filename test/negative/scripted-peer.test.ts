// The scripted peer must be transparent when it changes nothing: otherwise a negative test could
// pass because the helper broke the stream, not because the engine caught the mutation.
import { describe, expect, it } from "vitest";
import { Tap, SUITE_NAMES, exchange } from "../helpers/scripted-peer.js";
import { makePair } from "./setup.js";

describe("scripted peer", () => {
  for (const suite of SUITE_NAMES) {
    it(`re-encrypts both directions without changing a byte of meaning (${suite})`, () => {
      const p = makePair({ suite });
      const toClient = new Tap("server", p.serverLog, suite);
      const toServer = new Tap("client", p.clientLog, suite);
      const x = exchange(p.client, p.server, {
        toClient: (b) => toClient.rewrite(b, () => undefined),
        toServer: (b) => toServer.rewrite(b, () => undefined),
      });
      expect(x.clientError).toBeNull();
      expect(x.serverError).toBeNull();
      expect(p.client.handshakeComplete && p.server.handshakeComplete).toBe(true);
      // Application data too, after the Finished switched the tap to the application keys.
      p.client.write(new TextEncoder().encode("ping"));
      p.server.receive(toServer.rewrite(p.client.takeOutput()!, () => undefined));
      expect(new TextDecoder().decode(p.server.read()!)).toBe("ping");
      // Re-encrypted under the tap's own sequence numbers, the bytes equal the originals.
      expect(Buffer.from(x.serverWire).equals(Buffer.from(new Tap("server", p.serverLog, suite).rewrite(x.serverWire, () => undefined)))).toBe(true);
    });
  }
});
