/**
 * record_size_limit (RFC 8449) between our client and server, and max_fragment_length (RFC 6066 §4)
 * as our server answers it. The wire is the oracle: every protected record is parsed from the raw
 * bytes and must respect the negotiated limit (RFC 8449 §4: TLSInnerPlaintext, content type
 * included, at most the advertised value), data must arrive intact (SHA-256 on both ends), and a
 * peer that ignores the limit must be refused with record_overflow.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ClientConnection, ServerConnection, TLSError } from "../../src/index.js";
import { mutualCredentials, readPem } from "../helpers/fixtures.js";
import { newPair } from "../helpers/pair.js";
import { pumpMemory } from "../helpers/pump.js";
import { withTestHooks } from "../../src/handshake/config/test-hooks.js";

const ca = readPem("ca.cert.pem");
const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");
const TAG = 16;

/** Our client and server (P-256, mutual) with these options; extra client options (test hooks, observers) are spread in as given. */
const makePair = (client: { recordSizeLimit?: number }, server: { recordSizeLimit?: number }) =>
  newPair(mutualCredentials("p256"), { client, server });

/** Lengths of the protected records (outer type 23) in a byte stream of whole records. */
function protectedRecordLengths(stream: Uint8Array): number[] {
  const lengths: number[] = [];
  for (let at = 0; at + 5 <= stream.length; ) {
    const length = (stream[at + 3] << 8) | stream[at + 4];
    if (stream[at] === 23) lengths.push(length);
    at += 5 + length;
  }
  return lengths;
}

/** Sends `data` from `from` to `to` in `piece`-byte writes, checking every record on the wire. */
function transfer(from: ClientConnection | ServerConnection, to: ClientConnection | ServerConnection, data: Uint8Array, piece: number, maxRecord: number): Uint8Array {
  const received = new Uint8Array(data.length);
  let got = 0;
  for (let at = 0; at < data.length; at += piece) {
    from.write(data, at, Math.min(piece, data.length - at));
    const wire = from.takeOutput()!;
    for (const length of protectedRecordLengths(wire)) expect(length).toBeLessThanOrEqual(maxRecord);
    to.receive(wire);
    got += to.readInto(received, got);
  }
  return received.subarray(0, got);
}

describe("record_size_limit (RFC 8449) between our client and server", () => {
  it("keeps every record to 512 bytes both ways over 3 MiB, and the buffers shrink to fit", async () => {
    const { client, server } = makePair({ recordSizeLimit: 512 }, { recordSizeLimit: 512 });
    const { errors } = await pumpMemory(client, server);
    expect(errors).toEqual([]);
    const data = new Uint8Array(3 << 20).map((_, i) => (i * 31 + (i >>> 11)) & 0xff);
    // 512 content bytes + content type + AEAD tag.
    const maxRecord = 512 + 1 + TAG;
    const atServer = transfer(client, server, data, 512, maxRecord);
    const atClient = transfer(server, client, data, 512, maxRecord);
    expect(sha256(atServer)).toBe(sha256(data));
    expect(sha256(atClient)).toBe(sha256(data));
    // One record of each: reader (header + 529) and writer (header + 529), instead of ~2 x 16.7 KB.
    expect(client.recordBufferBytes).toBe(2 * (5 + maxRecord));
    expect(server.recordBufferBytes).toBe(2 * (5 + maxRecord));
  });

  it("obeys the peer's limit even without one of its own, and not a limit the server never answered", async () => {
    const { client, server } = makePair({ recordSizeLimit: 100 }, {});
    await pumpMemory(client, server);
    const data = new Uint8Array(5000).fill(7);
    // The server answered with 2^14 + 1: our records may be full size, its records at most 100 bytes.
    const toClient = transfer(server, client, data, 5000, 100 + 1 + TAG);
    expect(toClient.length).toBe(5000);
    client.write(data);
    expect(Math.max(...protectedRecordLengths(client.takeOutput()!))).toBe(5000 + 1 + TAG);

    // A server that does not answer (the extension stripped from its EncryptedExtensions) negotiates nothing.
    const stripped = new ServerConnection(
      withTestHooks(
        { certificateChain: readPem("server-p256.cert.pem"), privateKey: readPem("server-p256.key.pem") },
        { extensions: (_m, exts) => exts.filter((e) => e.type !== 28) },
      ),
    );
    const limited = new ClientConnection({ serverName: "localhost", trustAnchors: ca, recordSizeLimit: 100 });
    await pumpMemory(limited, stripped);
    expect(limited.handshakeComplete).toBe(true);
    stripped.write(data);
    limited.receive(stripped.takeOutput()!);
    expect(limited.read()?.length).toBe(5000);
  });

  it("refuses a record above its limit with record_overflow", async () => {
    const { client, server } = makePair({ recordSizeLimit: 256 }, {});
    await pumpMemory(client, server);
    // Make the server ignore the negotiated limit (no public API does this; a broken peer would).
    (server as unknown as { writer: { maxFragment: number } }).writer.maxFragment = 1 << 14;
    server.write(new Uint8Array(1000));
    let error: unknown;
    try {
      client.receive(server.takeOutput()!);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TLSError);
    expect((error as TLSError).alertName).toBe("record_overflow");
  });

  it("refuses a record_size_limit below 64 with illegal_parameter (RFC 8449 §4)", async () => {
    const { client, server } = makePair(
      withTestHooks({}, { extensions: (_m, exts) => [...exts, { type: 28, data: new Uint8Array([0, 63]) }] }),
      {},
    );
    const { errors } = await pumpMemory(client, server);
    expect(errors.map((e) => `${e.side}:${e.error.alertName}`)).toContain("b:illegal_parameter");
  });
});

describe("max_fragment_length (RFC 6066 §4) answered by our server", () => {
  for (const [code, length] of [[1, 512], [2, 1024], [3, 2048], [4, 4096]] as const) {
    it(`echoes code ${code} and keeps its records to ${length} bytes`, async () => {
      let encryptedExtensions = "";
      const { client, server } = makePair(
        {
          ...withTestHooks({}, { extensions: (_m, exts) => [...exts, { type: 1, data: new Uint8Array([code]) }] }),
          onHandshakeMessage: (direction: string, m: Uint8Array) => {
            if (direction === "received" && m[0] === 8) encryptedExtensions = Buffer.from(m).toString("hex");
          },
        } as object,
        {},
      );
      const { errors } = await pumpMemory(client, server);
      expect(errors).toEqual([]);
      // The answer repeats the code: extension type 0x0001, length 1, the code.
      expect(encryptedExtensions).toContain(`000100010${code}`);
      const data = new Uint8Array(20_000).fill(1);
      expect(transfer(server, client, data, 20_000, length + 1 + TAG).length).toBe(20_000);
    });
  }

  it("refuses a max_fragment_length code outside 1-4 with illegal_parameter", async () => {
    const { client, server } = makePair(
      withTestHooks({}, { extensions: (_m, exts) => [...exts, { type: 1, data: new Uint8Array([5]) }] }),
      {},
    );
    const { errors } = await pumpMemory(client, server);
    expect(errors.map((e) => `${e.side}:${e.error.alertName}`)).toContain("b:illegal_parameter");
  });
});
