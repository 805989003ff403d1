/**
 * Record-level rewrites for the scripted peer (test/helpers/scripted-peer.ts): it hands each of the
 * sender's records to the edit, decrypted, and re-seals whatever comes back under the sender's keys.
 */
import type { Tap, TapRecord } from "../helpers/scripted-peer.js";

/** Replaces a record with the records returned, or leaves it alone (undefined). */
export type RecordEdit = (tap: Tap, record: TapRecord) => TapRecord[] | undefined;

/** Applies `make` once, to the first record that matches `which`; later records pass untouched. */
export function onFirstRecord(which: (r: TapRecord) => boolean, make: (tap: Tap, r: TapRecord) => TapRecord[]): RecordEdit {
  let done = false;
  return (tap, r) => {
    if (done || !which(r)) return undefined;
    done = true;
    return make(tap, r);
  };
}

/** The first record under handshake traffic keys (RFC 8446 §7.1): EncryptedExtensions or the client's Certificate. */
export const firstEncrypted = (r: TapRecord): boolean => r.epoch === "handshake";

/** Bytes sent exactly as given, outside the tap's framing and sealing (for malformed records). */
export const rawRecord = (bytes: Uint8Array, epoch: TapRecord["epoch"] = "handshake"): TapRecord => ({ epoch, type: 0, content: new Uint8Array(0), raw: bytes });

/** A copy of `bytes` with one bit flipped at `at` (negative: from the end). */
export function flipAt(bytes: Uint8Array, at: number): Uint8Array {
  const out = bytes.slice();
  out[at < 0 ? out.length + at : at] ^= 0x04;
  return out;
}
