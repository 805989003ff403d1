/**
 * What an established client connection keeps (issue 15's finding): once the handshake is over,
 * the transcript and the handshake states (with their key shares and parsed certificates) must
 * not be reachable from the connection. The walk follows object properties, arrays, maps and sets;
 * it cannot see into closures, which is why the post-handshake session holds a plain
 * SessionTickets object rather than a closure over the handshake.
 */
import { describe, expect, it } from "vitest";
import { ClientConnection, ServerConnection } from "../../src/index.js";
import { MemorySessionStore } from "../../src/handshake/resumption/session-store.js";
import { Transcript } from "../../src/handshake/transcript.js";
import * as states from "../../src/handshake/client/state.js";
import { SessionTickets } from "../../src/handshake/client/resumption.js";
import { CA_PEM, serverCredential } from "../helpers/fixtures.js";
import { pumpMemory } from "../helpers/pump.js";

const stateClasses = Object.values(states);

/** Every object reachable from `root` through properties and collections, bounded. */
function reachable(root: object, limit = 200_000): object[] {
  const seen = new Set<object>([root]);
  const queue: object[] = [root];
  for (let i = 0; i < queue.length && seen.size < limit; i++) {
    const value = queue[i];
    const children: unknown[] = ArrayBuffer.isView(value) ? [] : Object.values(value);
    if (value instanceof Map) children.push(...value.keys(), ...value.values());
    if (value instanceof Set) children.push(...value);
    for (const child of children) {
      if (child !== null && typeof child === "object" && !seen.has(child)) {
        seen.add(child);
        queue.push(child);
      }
    }
  }
  return queue;
}

describe("an established client connection", () => {
  it("keeps no transcript and no handshake state, and its session keeps a ticket context", async () => {
    const server = serverCredential("p256");
    const s = new ServerConnection({ certificateChain: server.certPem, privateKey: server.keyPem, tickets: 1 });
    const store = new MemorySessionStore();
    const c = new ClientConnection({ serverName: "localhost", trustAnchors: CA_PEM, sessionStore: store });
    const { errors } = await pumpMemory(c, s);
    expect(errors).toEqual([]);
    expect(c.handshake?.resumed).toBe(false);
    const objects = reachable(c);
    expect(objects.filter((o) => o instanceof Transcript)).toEqual([]);
    expect(objects.filter((o) => stateClasses.some((k) => o instanceof k)).map((o) => o.constructor.name)).toEqual([]);
    // The walk does reach the post-handshake session, and through it the ticket context.
    expect(objects.some((o) => o instanceof SessionTickets)).toBe(true);
  });
});
