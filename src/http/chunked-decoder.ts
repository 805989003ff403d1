/**
 * The chunked transfer coding (RFC 9112 §7.1), decoded incrementally and strictly: chunk sizes
 * are bounded hex numbers, chunk lines (with extensions) and the trailer section have limits,
 * every CRLF is checked, and trailer fields are parsed by the header rules and then dropped (fetch
 * has no place for them).
 */
import { limitExceeded, malformed } from "./http-error.js";
import { isFieldValueByte, parseFieldLine } from "./field-syntax.js";
import type { HttpLimits } from "./limits.js";

const CR = 0x0d;
const LF = 0x0a;

enum State {
  SizeLine,
  Data,
  DataCr,
  DataLf,
  TrailerLine,
  Done,
}

export interface ChunkedOutput {
  /** Body bytes found, as views into the input given to `decode`. */
  readonly data: Uint8Array[];
  /** Input bytes used; after `done`, the rest belongs to no response. */
  readonly consumed: number;
  readonly done: boolean;
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

export class ChunkedDecoder {
  private state = State.SizeLine;
  private remaining = 0;
  /** The current chunk-size or trailer line, without its CRLF; bounded by the limits. */
  private readonly line: Uint8Array;
  private lineLength = 0;
  private sawCr = false;
  private trailerBytes = 0;
  private trailerFields = 0;

  constructor(private readonly limits: HttpLimits) {
    this.line = new Uint8Array(Math.max(limits.maxChunkLineBytes, limits.maxHeaderBytes));
  }

  get done(): boolean {
    return this.state === State.Done;
  }

  decode(input: Uint8Array): ChunkedOutput {
    const data: Uint8Array[] = [];
    let at = 0;
    while (at < input.length && this.state !== State.Done) {
      switch (this.state) {
        case State.Data: {
          const take = Math.min(this.remaining, input.length - at);
          data.push(input.subarray(at, at + take));
          at += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = State.DataCr;
          break;
        }
        case State.DataCr:
          if (input[at++] !== CR) malformed("chunk data longer than its chunk size (no CRLF after it)");
          this.state = State.DataLf;
          break;
        case State.DataLf:
          if (input[at++] !== LF) malformed("a bare CR after chunk data");
          this.state = State.SizeLine;
          break;
        case State.SizeLine:
        case State.TrailerLine: {
          const byte = input[at++];
          if (this.takeLineByte(byte)) this.endLine();
          break;
        }
      }
    }
    return { data, consumed: at, done: this.state === State.Done };
  }

  /** Adds one byte to the current line; true when the line's CRLF is complete. */
  private takeLineByte(byte: number): boolean {
    if (this.sawCr) {
      if (byte !== LF) malformed("a bare CR in a chunk line");
      this.sawCr = false;
      return true;
    }
    if (byte === CR) {
      this.sawCr = true;
      return false;
    }
    if (byte === LF) malformed("a bare LF in a chunk line (lines must end with CRLF)");
    const trailer = this.state === State.TrailerLine;
    const max = trailer ? this.limits.maxHeaderBytes : this.limits.maxChunkLineBytes;
    if (this.lineLength === max || (trailer && this.trailerBytes + this.lineLength >= this.limits.maxHeaderBytes)) {
      limitExceeded(trailer ? `the trailer section is longer than ${this.limits.maxHeaderBytes} bytes` : `a chunk-size line is longer than ${max} bytes`);
    }
    this.line[this.lineLength++] = byte;
    return false;
  }

  private endLine(): void {
    const length = this.lineLength;
    this.lineLength = 0;
    if (this.state === State.TrailerLine) {
      if (length === 0) {
        this.state = State.Done;
        return;
      }
      this.trailerBytes += length + 2;
      if (++this.trailerFields > this.limits.maxHeaders) limitExceeded(`more than ${this.limits.maxHeaders} trailer fields`);
      parseFieldLine(this.line, 0, length);
      return;
    }
    const size = this.parseChunkSize(length);
    if (size === 0) {
      this.state = State.TrailerLine;
    } else {
      this.remaining = size;
      this.state = State.Data;
    }
  }

  /** RFC 9112 §7.1: chunk-size = 1*HEXDIG, then optional chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ). */
  private parseChunkSize(length: number): number {
    const line = this.line;
    let size = 0;
    let i = 0;
    for (; i < length; i++) {
      const digit = hexValue(line[i]);
      if (digit < 0) break;
      // RFC 9112 §7.1: "anticipate potentially large hexadecimal numerals and prevent parsing
      // errors due to integer conversion overflows".
      if (size > (Number.MAX_SAFE_INTEGER - digit) / 16) malformed("a chunk size past 2^53 - 1");
      size = size * 16 + digit;
    }
    if (i === 0) malformed("a chunk line without a chunk size");
    if (i < length) {
      // Extensions carry nothing we use; we check only that they start properly and hold no
      // control bytes, so a size followed by garbage ("1x") is refused.
      let j = i;
      while (j < length && (line[j] === 0x20 || line[j] === 0x09)) j++;
      if (line[j] !== 0x3b) malformed("a chunk size followed by something other than an extension");
      for (; j < length; j++) if (!isFieldValueByte(line[j])) malformed(`invalid byte 0x${line[j].toString(16)} in a chunk extension`);
    }
    return size;
  }
}
