/**
 * The strict DER reader (X.690 §8 with the DER restrictions of §10) that turns certificate, CRL
 * and key bytes into a small typed tree (`DerNode`); everything above works on that tree, and
 * every failure is a `TLSError` carrying the structure's alert.
 *
 * Written here rather than taken from a library (developers' guide rule 5): the library we used
 * before, asn1js, is a BER reader, so DER had to be enforced on top of its output anyway, and its
 * whole class library (about 18 KB gzipped) landed in every client bundle without tree-shaking,
 * which issue 15's size budget for a device client cannot carry. A DER tokenizer is small: one
 * identifier, one definite length, contents, children. asn1js stays in the project as the
 * independent implementation test/x509/der-reader.test.ts compares this reader against, and as the
 * encoder of the development CA (src/ca/, never in a client bundle).
 *
 * Rules enforced here, so a BER-only encoding is never accepted: definite lengths in the fewest
 * octets (§10.1); tag numbers in the fewest octets, the high-tag-number form only from 31
 * (§8.1.2); no constructed form for the primitive and string types (§8.1.2.5, §10.2), SEQUENCE
 * and SET always constructed (§8.9.1, §8.11.1); no end-of-contents octets or reserved universal
 * tags; no trailing bytes. Contents (INTEGER minimality, OID arcs, times, strings) are checked by
 * der-values.ts when a field is read. Depth and element count are bounded, so a hostile
 * certificate costs a bounded amount of work and memory (design principle 7).
 */
import { fail, type AlertName } from "../bytes/index.js";

export type TagClass = "universal" | "application" | "context" | "private";

/** One decoded TLV. `raw` and `content` are views into the input. */
export interface DerNode {
  readonly tagClass: TagClass;
  readonly tag: number;
  readonly constructed: boolean;
  /** The whole TLV: identifier, length and contents. */
  readonly raw: Uint8Array;
  /** The contents octets only. */
  readonly content: Uint8Array;
  /** Children of a constructed node; empty for a primitive one. */
  readonly children: readonly DerNode[];
}

/** Universal tag numbers used in X.509 (X.680 §8.4). */
export const Tag = {
  BOOLEAN: 1,
  INTEGER: 2,
  BIT_STRING: 3,
  OCTET_STRING: 4,
  NULL: 5,
  OID: 6,
  UTF8_STRING: 12,
  SEQUENCE: 16,
  SET: 17,
  PRINTABLE_STRING: 19,
  T61_STRING: 20,
  IA5_STRING: 22,
  UTC_TIME: 23,
  GENERALIZED_TIME: 24,
  UNIVERSAL_STRING: 28,
  BMP_STRING: 30,
} as const;

const TAG_CLASSES: readonly TagClass[] = ["universal", "application", "context", "private"];

/**
 * The failure a structure raises: certificates are `bad_certificate` (RFC 8446 §6.2, "a
 * certificate was corrupt"), local key files `internal_error`. `what` names the structure.
 */
export interface DerContext {
  readonly alert: AlertName;
  readonly what: string;
}

export function malformed(ctx: DerContext, detail: string): never {
  return fail(ctx.alert, `${ctx.what} is malformed: ${detail}`);
}

/** Deepest nesting accepted (the root is depth 0); real certificates nest about 10 deep. */
export const MAX_DER_DEPTH = 32;
/** Most elements in one structure; a certificate near the 64 KiB handshake limit has a few thousand. */
export const MAX_DER_NODES = 20000;
/** Tag numbers past this are refused (the high-tag-number form in at most 4 octets; X.509 uses none past 30). */
const MAX_TAG_NUMBER = 0x0fffffff;

/**
 * Universal types DER encodes constructed: EXTERNAL (8), EMBEDDED PDV (11), SEQUENCE and SET.
 * Every other universal type is primitive, the string types included (X.690 §10.2).
 */
const CONSTRUCTED_UNIVERSAL = new Set([8, 11, Tag.SEQUENCE, Tag.SET]);
/** The string types BER may segment into a constructed encoding (X.690 §8.6.1, §8.7.1, §8.23.6). */
const SEGMENTABLE_UNIVERSAL = new Set([3, 4, 12, 18, 19, 20, 21, 22, 25, 26, 27, 28, 30]);

const NO_CHILDREN: readonly DerNode[] = Object.freeze([]);

/** Decodes exactly one DER element filling all of `input`. */
export function parseDer(input: Uint8Array, ctx: DerContext): DerNode {
  if (input.length === 0) malformed(ctx, "it is empty");
  const count = { nodes: 0 };
  const root = readElement(input, 0, input.length, 0, count, ctx);
  if (root.raw.length !== input.length) malformed(ctx, `${input.length - root.raw.length} trailing bytes after the structure`);
  return root;
}

/** Reads the element starting at `start`, which must end by `end` (its container's end). */
function readElement(input: Uint8Array, start: number, end: number, depth: number, count: { nodes: number }, ctx: DerContext): DerNode {
  if (depth > MAX_DER_DEPTH) malformed(ctx, `nested deeper than ${MAX_DER_DEPTH} levels`);
  if (++count.nodes > MAX_DER_NODES) malformed(ctx, `more than ${MAX_DER_NODES} ASN.1 elements`);
  let at = start;
  const identifier = input[at++];
  const tagClass = TAG_CLASSES[identifier >> 6];
  const constructed = (identifier & 0x20) !== 0;
  let tag = identifier & 0x1f;
  if (tag === 0x1f) {
    // X.690 §8.1.2.4: base 128, most significant group first, the first group not zero (§8.1.2.4.2 c).
    tag = 0;
    let octet: number;
    do {
      if (at >= end) malformed(ctx, "the tag runs past the end of the data");
      octet = input[at++];
      if (tag === 0 && octet === 0x80) malformed(ctx, "non-minimal tag encoding");
      tag = tag * 128 + (octet & 0x7f);
      if (tag > MAX_TAG_NUMBER) malformed(ctx, "tag number too large");
    } while (octet & 0x80);
    if (tag < 31) malformed(ctx, "non-minimal tag encoding");
  }
  if (at >= end) malformed(ctx, "the length runs past the end of the data");
  let length = input[at++];
  if (length === 0x80) malformed(ctx, "indefinite length (BER, not DER)");
  if (length > 0x80) {
    // X.690 §10.1: the long form only for lengths over 127, with no leading zero octet.
    const octets = length & 0x7f;
    if (octets > 4) malformed(ctx, "length too large");
    if (end - at < octets) malformed(ctx, "the length runs past the end of the data");
    if (input[at] === 0) malformed(ctx, "non-minimal length encoding (BER, not DER)");
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + input[at++];
    if (length < 0x80) malformed(ctx, "non-minimal length encoding (BER, not DER)");
  }
  if (length > end - at) malformed(ctx, "the contents run past the end of the data");
  if (tagClass === "universal") checkUniversalForm(tag, constructed, ctx);
  const contentEnd = at + length;
  let children = NO_CHILDREN;
  if (constructed) {
    const list: DerNode[] = [];
    for (let child = at; child < contentEnd;) {
      const node = readElement(input, child, contentEnd, depth + 1, count, ctx);
      list.push(node);
      child += node.raw.length;
    }
    children = list;
  }
  return { tagClass, tag, constructed, raw: input.subarray(start, contentEnd), content: input.subarray(at, contentEnd), children };
}

/** The encoding form DER allows for each universal type, and no reserved or end-of-contents tag. */
function checkUniversalForm(tag: number, constructed: boolean, ctx: DerContext): void {
  // X.680 §8.6: 0 is end-of-contents (indefinite lengths only), 15 is reserved, past 36 unassigned.
  if (tag === 0 || tag === 15 || tag > 36) malformed(ctx, `reserved universal tag ${tag}`);
  if (constructed && !CONSTRUCTED_UNIVERSAL.has(tag)) {
    malformed(ctx, SEGMENTABLE_UNIVERSAL.has(tag) ? "constructed string encoding (BER, not DER)" : "constructed encoding of a primitive type");
  }
  if (!constructed && (tag === Tag.SEQUENCE || tag === Tag.SET)) malformed(ctx, "primitive encoding of a SEQUENCE or SET");
}

/** Describes a node for error messages, e.g. "SEQUENCE" or "[3]". */
function describe(node: DerNode): string {
  if (node.tagClass === "context") return `[${node.tag}]`;
  const name = (Object.keys(Tag) as (keyof typeof Tag)[]).find((k) => Tag[k] === node.tag);
  return node.tagClass === "universal" && name !== undefined ? name.replace(/_/g, " ") : `${node.tagClass} tag ${node.tag}`;
}

export function isUniversal(node: DerNode | undefined, tag: number): node is DerNode {
  return node !== undefined && node.tagClass === "universal" && node.tag === tag;
}

export function isContext(node: DerNode | undefined, tag: number): node is DerNode {
  return node !== undefined && node.tagClass === "context" && node.tag === tag;
}

/** Requires a universal-class node of `tag`; `field` names the ASN.1 field for the message. */
export function expectUniversal(node: DerNode | undefined, tag: number, field: string, ctx: DerContext): DerNode {
  if (node === undefined) malformed(ctx, `${field} is missing`);
  if (!isUniversal(node, tag)) malformed(ctx, `${field} has the wrong type (${describe(node)})`);
  const want = tag === Tag.SEQUENCE || tag === Tag.SET;
  if (node.constructed !== want) malformed(ctx, `${field} has the wrong encoding form`);
  return node;
}

export function expectSequence(node: DerNode | undefined, field: string, ctx: DerContext): DerNode {
  return expectUniversal(node, Tag.SEQUENCE, field, ctx);
}

/** Requires exactly `min..max` children, so unexpected extra fields are never silently ignored. */
export function expectChildren(node: DerNode, min: number, max: number, field: string, ctx: DerContext): readonly DerNode[] {
  const n = node.children.length;
  if (n < min || n > max) malformed(ctx, `${field} has ${n} elements, expected ${min === max ? min : `${min} to ${max}`}`);
  return node.children;
}
