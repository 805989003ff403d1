/**
 * RFC 8446 §4.2.9: psk_key_exchange_modes "restricts both the use of PSKs offered in this
 * ClientHello and those which the server might supply via NewSessionTicket".
 * - A client that keeps tickets (a sessionStore) advertises psk_dhe_ke even with nothing to resume
 *   yet: servers that follow the RFC's SHOULD NOT (Go's crypto/tls, BoringSSL) send no ticket to
 *   a client that advertised no mode, so without it the first ticket never comes (found against
 *   Go, test/peers/go-crypto-tls.test.ts). A client without a store advertises nothing.
 * - Our server sends tickets only to a client whose modes include psk_dhe_ke, the one mode its
 *   tickets resume with.
 * The ClientHello is read from its bytes here (§4.1.2 layout), not through the engine's decoder.
 */
import { describe, expect, it } from "vitest";
import { ClientConnection, ServerConnection } from "../../src/index.js";
import { MemorySessionStore } from "../../src/handshake/resumption/session-store.js";
import { withTestHooks } from "../../src/handshake/config/test-hooks.js";
import { CA_PEM, clientCredential, serverCredential } from "../helpers/fixtures.js";
import { clientHelloExtensions } from "../helpers/framing.js";
import { type ClientConfig, type ServerConfig, pumpMemory } from "../helpers/pump.js";

const PSK_KEY_EXCHANGE_MODES = 45;
const PRE_SHARED_KEY = 41;
const NEW_SESSION_TICKET = 4;
const PSK_KE = 0;
const PSK_DHE_KE = 1;

const server = serverCredential("p256");
const client = clientCredential("p256");

function serverConfig(sentByServer: number[]): ServerConfig {
  return {
    certificateChain: server.certPem,
    privateKey: server.keyPem,
    trustAnchors: CA_PEM,
    clientAuth: "require",
    tickets: 2,
    onHandshakeMessage: (direction, message) => direction === "sent" && sentByServer.push(message[0]),
  };
}

function clientConfig(clientHellos: Uint8Array[], extra: Partial<ClientConfig> = {}): ClientConfig {
  return {
    serverName: "localhost",
    trustAnchors: CA_PEM,
    certificateChain: client.certPem,
    privateKey: client.keyPem,
    onHandshakeMessage: (direction, message) => direction === "sent" && message[0] === 1 && clientHellos.push(message.slice()),
    ...extra,
  };
}

async function handshake(cc: ClientConfig, sc: ServerConfig): Promise<void> {
  const { errors } = await pumpMemory(new ClientConnection(cc), new ServerConnection(sc));
  expect(errors).toEqual([]);
}

describe("psk_key_exchange_modes without a PSK to offer (RFC 8446 §4.2.9)", () => {
  it("a client with a session store and nothing to resume advertises psk_dhe_ke, without pre_shared_key, and gets the tickets", async () => {
    const hellos: Uint8Array[] = [];
    const store = new MemorySessionStore();
    const sentByServer: number[] = [];
    await handshake(clientConfig(hellos, { sessionStore: store }), serverConfig(sentByServer));
    const extensions = clientHelloExtensions(hellos[0]);
    // A one-byte list holding psk_dhe_ke (§4.2.9: PskKeyExchangeMode ke_modes<1..255>).
    expect([...(extensions.get(PSK_KEY_EXCHANGE_MODES) ?? [])]).toEqual([1, PSK_DHE_KE]);
    expect(extensions.has(PRE_SHARED_KEY)).toBe(false);
    expect(sentByServer.filter((t) => t === NEW_SESSION_TICKET)).toHaveLength(2);
    expect(store.size).toBe(2);
  });

  it("a client without a session store advertises no mode, and our server sends it no ticket", async () => {
    const hellos: Uint8Array[] = [];
    const sentByServer: number[] = [];
    await handshake(clientConfig(hellos), serverConfig(sentByServer));
    expect(clientHelloExtensions(hellos[0]).has(PSK_KEY_EXCHANGE_MODES)).toBe(false);
    expect(sentByServer).not.toContain(NEW_SESSION_TICKET);
  });

  for (const [name, modes, tickets] of [
    ["psk_ke only", [PSK_KE], 0],
    ["psk_dhe_ke", [PSK_DHE_KE], 2],
    ["psk_ke and psk_dhe_ke", [PSK_KE, PSK_DHE_KE], 2],
  ] as const) {
    it(`our server sends ${tickets} tickets to a client whose modes are ${name}`, async () => {
      const sentByServer: number[] = [];
      // The modes are added by hand to a client that keeps no tickets, so only the server's choice is tested.
      const addModes = {
        extensions: (_m: string, exts: { type: number; data: Uint8Array }[]) => [
          ...exts,
          { type: PSK_KEY_EXCHANGE_MODES, data: Uint8Array.of(modes.length, ...modes) },
        ],
      };
      await handshake(withTestHooks(clientConfig([]), addModes), serverConfig(sentByServer));
      expect(sentByServer.filter((t) => t === NEW_SESSION_TICKET)).toHaveLength(tickets);
    });
  }
});
