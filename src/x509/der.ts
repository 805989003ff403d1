/**
 * The one place asn1js is used: it tokenises BER, and this file turns its output into a small,
 * typed DER tree (`DerNode`) after enforcing the DER rules asn1js (a BER reader) lets through:
 * definite, minimal lengths; minimal tag numbers; primitive encodings of string types; no
 * trailing bytes. Everything above works on `DerNode`, so asn1js failures never escape as
 * anything but a `TLSError`.
 */
import * as asn1js from "asn1js";
import { TLSError, fail, type AlertName } from "../bytes/index.js";

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

const TAG_CLASSES: Record<number, TagClass> = { 1: "universal", 2: "application", 3: "context", 4: "private" };

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

/** Decodes exactly one DER element filling all of `input`. */
export function parseDer(input: Uint8Array, ctx: DerContext): DerNode {
  if (input.length === 0) malformed(ctx, "it is empty");
  let decoded: asn1js.FromBerResult;
  try {
    decoded = asn1js.fromBER(input, { parseEmbedded: false, maxDepth: 32, maxNodes: 20000 });
  } catch (e) {
    if (e instanceof TLSError) throw e;
    return malformed(ctx, "the ASN.1 decoder rejected it");
  }
  if (decoded.offset === -1 || decoded.result.error !== "") {
    malformed(ctx, `ASN.1 error (${decoded.result.error || "unreadable encoding"})`);
  }
  const root = toNode(decoded.result, ctx);
  if (root.raw.length !== input.length) malformed(ctx, `${input.length - root.raw.length} trailing bytes after the structure`);
  return root;
}

/** String and octet types whose constructed (BER segmented) form DER forbids (X.690 §10.2). */
const PRIMITIVE_ONLY = new Set<number>([
  Tag.BOOLEAN,
  Tag.INTEGER,
  Tag.BIT_STRING,
  Tag.OCTET_STRING,
  Tag.NULL,
  Tag.OID,
  Tag.UTF8_STRING,
  Tag.PRINTABLE_STRING,
  Tag.T61_STRING,
  Tag.IA5_STRING,
  Tag.UTC_TIME,
  Tag.GENERALIZED_TIME,
  Tag.UNIVERSAL_STRING,
  Tag.BMP_STRING,
]);

function toNode(block: asn1js.BaseBlock, ctx: DerContext): DerNode {
  if (block.error !== "") malformed(ctx, `ASN.1 error (${block.error})`);
  const { idBlock, lenBlock } = block;
  const tagClass = TAG_CLASSES[idBlock.tagClass];
  if (tagClass === undefined) malformed(ctx, "unknown tag class");
  // X.690 §10.1: definite length, in the fewest octets.
  if (lenBlock.isIndefiniteForm) malformed(ctx, "indefinite length (BER, not DER)");
  const lengthOctets = lenBlock.blockLength;
  const minimalLengthOctets = lenBlock.length < 0x80 ? 1 : 1 + Math.ceil(lenBlock.length.toString(16).length / 2);
  if (lengthOctets !== minimalLengthOctets) malformed(ctx, "non-minimal length encoding (BER, not DER)");
  if (idBlock.tagNumber < 31 && idBlock.blockLength !== 1) malformed(ctx, "non-minimal tag encoding");
  if (tagClass === "universal" && idBlock.isConstructed && PRIMITIVE_ONLY.has(idBlock.tagNumber)) {
    malformed(ctx, "constructed string encoding (BER, not DER)");
  }
  const raw = block.valueBeforeDecodeView;
  const headerLength = idBlock.blockLength + lengthOctets;
  if (!(raw instanceof Uint8Array) || raw.length !== headerLength + lenBlock.length) malformed(ctx, "length mismatch");
  const content = raw.subarray(headerLength);
  const children: DerNode[] = [];
  if (idBlock.isConstructed) {
    const inner: unknown = (block.valueBlock as { value?: unknown }).value;
    if (!Array.isArray(inner)) malformed(ctx, "unreadable constructed value");
    let consumed = 0;
    for (const child of inner as unknown[]) {
      if (!(child instanceof asn1js.BaseBlock)) malformed(ctx, "unreadable constructed value");
      const node = toNode(child, ctx);
      consumed += node.raw.length;
      children.push(node);
    }
    if (consumed !== content.length) malformed(ctx, "children do not fill their container");
  }
  return { tagClass, tag: idBlock.tagNumber, constructed: idBlock.isConstructed, raw, content, children };
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
