/**
 * The server's ticket keys (RFC 8446 §4.6.1, §C.4): tickets are sealed with AES-128-GCM, so a
 * ticket altered anywhere, or sealed under a key this server no longer has, does not open; keys
 * rotate by the clock and the previous key keeps opening tickets for one more period.
 */
import { describe, expect, it } from "vitest";
import { pureProvider } from "../../src/crypto/pure.js";
import { TicketKeyring, decodeTicketState, encodeTicketState } from "../../src/handshake/resumption/tickets.js";
import { StrikeRegister } from "../../src/handshake/server/early-data.js";

const HOUR = 3_600_000;
const state = {
  cipherSuite: 0x1301,
  issuedAt: 1_700_000_000_123,
  ticketAgeAdd: 0xfad6aac5,
  lifetime: 3600,
  maxEarlyData: 1024,
  psk: new Uint8Array(32).fill(7),
  alpnProtocol: "h2",
  serverName: "api.example",
  peerCertificates: [new Uint8Array([1, 2, 3])],
};

describe("session tickets", () => {
  it("round-trip the sealed state", () => {
    const ring = new TicketKeyring(pureProvider, HOUR);
    const ticket = ring.seal(encodeTicketState(state), 0);
    expect(decodeTicketState(ring.open(ticket, 1000)!)).toEqual(state);
  });

  it("refuse a ticket altered in any byte", () => {
    const ring = new TicketKeyring(pureProvider, HOUR);
    const ticket = ring.seal(encodeTicketState(state), 0);
    for (let i = 0; i < ticket.length; i += 7) {
      const altered = ticket.slice();
      altered[i] ^= 0x01;
      expect(ring.open(altered, 1000)).toBeNull();
    }
  });

  it("keep the previous key for one period after rotating, then drop it", () => {
    const ring = new TicketKeyring(pureProvider, HOUR);
    const old = ring.seal(encodeTicketState(state), 0);
    const newer = ring.seal(encodeTicketState(state), HOUR + 1); // rotates
    expect(ring.open(old, HOUR + 2)).not.toBeNull();
    expect(ring.open(newer, 2 * HOUR + 2)).not.toBeNull(); // rotates again: newer is now the previous key
    expect(ring.open(old, 2 * HOUR + 3)).toBeNull();
  });

  it("are not opened by another server's keys", () => {
    const ticket = new TicketKeyring(pureProvider, HOUR).seal(encodeTicketState(state), 0);
    expect(new TicketKeyring(pureProvider, HOUR).open(ticket, 0)).toBeNull();
  });
});

describe("the 0-RTT strike register", () => {
  it("admits a ticket once, and refuses new tickets when full of unexpired ones", () => {
    const register = new StrikeRegister(2);
    expect(register.admit("a", 100, 0)).toBe(true);
    expect(register.admit("a", 100, 1)).toBe(false);
    expect(register.admit("b", 100, 1)).toBe(true);
    expect(register.admit("c", 100, 2)).toBe(false); // full: refusing 0-RTT is the safe side
    expect(register.admit("c", 300, 150)).toBe(true); // a and b expired and were evicted
  });
});
