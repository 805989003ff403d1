/**
 * A traffic key's cipher state is built when its first record is sealed or opened, once per key
 * (src/record/record-protection.ts, issue 15): an established connection that has carried no
 * data has built none for its application keys, and records after the first build nothing more.
 */
import { describe, expect, it } from "vitest";
import { type CryptoProvider, pureProvider } from "../../src/index.js";
import { mutualCredentials } from "../helpers/fixtures.js";
import { establishedPair, pump } from "../helpers/pair.js";

function countingProvider(): { provider: CryptoProvider; built: () => number } {
  let built = 0;
  const provider: CryptoProvider = {
    ...pureProvider,
    aead: (algorithm, key) => {
      built++;
      return pureProvider.aead(algorithm, key);
    },
  };
  return { provider, built: () => built };
}

describe("deferred cipher state", () => {
  it("builds each application key's cipher when its first record needs it, and only then", () => {
    const { provider, built } = countingProvider();
    const pair = establishedPair(mutualCredentials("p256"), { provider });
    // RFC 8446 §7.3: each side used its two handshake keys (its flight out, the peer's in).
    expect(built()).toBe(4);
    pair.client.write(new TextEncoder().encode("ping"));
    pump(pair);
    expect(new TextDecoder().decode(pair.server.read()!)).toBe("ping");
    // The client's application write key and the server's application read key.
    expect(built()).toBe(6);
    pair.server.write(new TextEncoder().encode("pong"));
    pump(pair);
    expect(new TextDecoder().decode(pair.client.read()!)).toBe("pong");
    expect(built()).toBe(8);
    for (let i = 0; i < 20; i++) {
      pair.client.write(new Uint8Array(300).fill(i));
      pair.server.write(new Uint8Array(300).fill(i));
      pump(pair);
      expect(pair.server.read()?.length).toBe(300);
      expect(pair.client.read()?.length).toBe(300);
    }
    expect(built()).toBe(8);
  });
});
