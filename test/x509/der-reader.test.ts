/**
 * The strict DER reader (src/x509/der.ts) against asn1js, an independent BER decoder, as the
 * outside truth for the structure of an encoding:
 * - random DER trees: both decode them, to the same tree;
 * - the same trees re-encoded with one BER-only liberty (long or indefinite lengths, segmented
 *   strings, a long tag form, an end-of-contents element): asn1js decodes them, the reader refuses
 *   them naming the DER rule;
 * - mutations of real certificates (test/fixtures and x509-limbo): whenever the reader accepts,
 *   asn1js decodes the same tree; whenever the reader refuses what asn1js decodes whole, the
 *   refusal names a DER rule, not a structural failure asn1js would have seen too;
 * - the depth and element limits sit where asn1js's maxDepth and maxNodes put them.
 * asn1js checks a few contents while tokenising (OID arcs, times, unused bits, wide-string
 * lengths) that the reader leaves to der-values.ts; where asn1js refuses a tree the reader
 * accepts, the test requires der-values.ts to refuse such an element when it is read.
 */
import * as asn1js from "asn1js";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { TLSError } from "../../src/bytes/index.js";
import { MAX_DER_DEPTH, MAX_DER_NODES, Tag, parseDer, type DerNode } from "../../src/x509/der.js";
import { decodeDirectoryString, decodeOid, readBitString, readTime } from "../../src/x509/der-values.js";
import { decodePem } from "../../src/x509/index.js";
import { params } from "../property/arbitraries.js";
import { certDer, certificateNames } from "./fixtures.js";

const CTX = { alert: "bad_certificate", what: "test structure" } as const;
const CLASSES = ["universal", "application", "context", "private"] as const;

/** The shape both decoders must agree on: class, tag, form, the whole TLV, children. */
interface Tree {
  cls: string;
  tag: number;
  constructed: boolean;
  raw: string;
  children: Tree[];
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");

function ours(node: DerNode): Tree {
  return { cls: node.tagClass, tag: node.tag, constructed: node.constructed, raw: hex(node.raw), children: node.children.map(ours) };
}

function theirs(block: asn1js.BaseBlock): Tree {
  const { idBlock } = block;
  const inner = (block.valueBlock as { value?: unknown }).value;
  const children = idBlock.isConstructed && Array.isArray(inner) ? (inner as asn1js.BaseBlock[]).map(theirs) : [];
  return {
    cls: CLASSES[idBlock.tagClass - 1],
    tag: idBlock.tagNumber,
    constructed: idBlock.isConstructed,
    raw: hex(new Uint8Array(block.valueBeforeDecodeView)),
    children,
  };
}

/** asn1js's reading with the reader's limits, or its error; `whole` when it consumed every byte. */
function asn1jsDecode(input: Uint8Array): { tree: Tree; whole: boolean } | { error: string } {
  let decoded: asn1js.FromBerResult;
  try {
    decoded = asn1js.fromBER(input, { parseEmbedded: false, maxDepth: MAX_DER_DEPTH, maxNodes: MAX_DER_NODES });
  } catch (e) {
    return { error: String(e) };
  }
  if (decoded.offset === -1 || decoded.result.error !== "") return { error: decoded.result.error || "offset -1" };
  const firstError = findError(decoded.result);
  if (firstError !== null) return { error: firstError };
  return { tree: theirs(decoded.result), whole: decoded.offset === input.length };
}

/**
 * The first error asn1js recorded in the tree, or an overrun: asn1js lets a child's length run
 * past its container's end into the next sibling, which no encoding means.
 */
function findError(block: asn1js.BaseBlock): string | null {
  if (block.error !== "") return block.error;
  const headerLength = block.idBlock.blockLength + block.lenBlock.blockLength;
  if (!block.lenBlock.isIndefiniteForm && block.valueBeforeDecodeView.byteLength !== headerLength + block.lenBlock.length)
    return "children overrun their container";
  const inner = (block.valueBlock as { value?: unknown }).value;
  if (block.idBlock.isConstructed && Array.isArray(inner)) {
    const contentLength = block.valueBeforeDecodeView.byteLength - headerLength;
    let filled = 0;
    for (const child of inner as asn1js.BaseBlock[]) {
      const e = findError(child);
      if (e !== null) return e;
      filled += child.valueBeforeDecodeView.byteLength;
    }
    // An indefinite length's contents end with the end-of-contents octets, which asn1js drops.
    if (filled + (block.lenBlock.isIndefiniteForm ? 2 : 0) !== contentLength) return "children overrun their container";
  }
  return null;
}

function readerResult(input: Uint8Array): DerNode | TLSError {
  try {
    return parseDer(input, CTX);
  } catch (e) {
    if (e instanceof TLSError) return e;
    throw e;
  }
}

/** Refusals that name a DER restriction on BER (or a limit the reader sets), not a broken structure. */
const DER_RULE =
  /BER, not DER|non-minimal tag encoding|trailing bytes|reserved universal tag|constructed encoding of a primitive type|primitive encoding of a SEQUENCE or SET|tag number too large/;

/**
 * asn1js checks the contents of a few types while tokenising, which the reader leaves to
 * der-values.ts: BIT STRING's unused-bits octet, OBJECT IDENTIFIER and RELATIVE-OID
 * subidentifiers, UTCTime and GeneralizedTime text, BMPString and UniversalString lengths. True
 * when one such element in the tree has contents der-values.ts refuses when it reads them.
 */
function contentRefusedByDerValues(node: DerNode): boolean {
  const refuses = (read: () => unknown): boolean => {
    try {
      read();
      return false;
    } catch (e) {
      expect(e).toBeInstanceOf(TLSError);
      return true;
    }
  };
  if (node.tagClass === "universal") {
    switch (node.tag) {
      case Tag.OID:
      case 13 /* RELATIVE-OID: the same subidentifiers, no X.509 field of this type */:
        if (refuses(() => decodeOid(node.content, "oid", CTX))) return true;
        break;
      case Tag.BIT_STRING:
        if (refuses(() => readBitString(node, "bits", CTX))) return true;
        break;
      case Tag.UTC_TIME:
      case Tag.GENERALIZED_TIME:
        if (refuses(() => readTime(node, "time", CTX))) return true;
        break;
      case Tag.BMP_STRING:
      case Tag.UNIVERSAL_STRING:
        if (decodeDirectoryString(node) === null) return true;
        break;
    }
  }
  return node.children.some(contentRefusedByDerValues);
}

/** Checks one input both ways; returns which way it went, for the coverage counts. */
function compare(input: Uint8Array): "both" | "reader-only" | "der-rule" | "neither" {
  const ourResult = readerResult(input);
  const their = asn1jsDecode(input);
  if (!(ourResult instanceof TLSError)) {
    if ("error" in their) {
      expect(contentRefusedByDerValues(ourResult), `the reader accepted what asn1js refused (${their.error}) and der-values would use it`).toBe(true);
      return "reader-only";
    }
    expect(their.whole).toBe(true);
    expect(ours(ourResult)).toEqual(their.tree);
    return "both";
  }
  expect(ourResult.alertName).toBe("bad_certificate");
  if (!("error" in their) && their.whole) {
    expect(ourResult.message, "refused something asn1js decodes whole, for a reason that is not a DER rule").toMatch(DER_RULE);
    return "der-rule";
  }
  return "neither";
}

// ---- Encoding random trees ----

interface Spec {
  cls: number;
  tag: number;
  constructed: boolean;
  content: Uint8Array;
  children: Spec[];
}

function identifier(cls: number, constructed: boolean, tag: number, longTag = false): number[] {
  const first = (cls << 6) | (constructed ? 0x20 : 0);
  if (tag < 31 && !longTag) return [first | tag];
  const groups: number[] = [tag & 0x7f];
  for (let t = Math.floor(tag / 128); t > 0; t = Math.floor(t / 128)) groups.unshift((t & 0x7f) | 0x80);
  return [first | 0x1f, ...groups];
}

function definiteLength(n: number, padding = 0): number[] {
  if (n < 0x80 && padding === 0) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  for (let i = 0; i < padding; i++) out.unshift(0);
  if (out.length === 0) out.push(0);
  return [0x80 | out.length, ...out];
}

function encode(spec: Spec): Uint8Array {
  const body = spec.constructed ? Buffer.concat(spec.children.map(encode)) : spec.content;
  return Uint8Array.from([...identifier(spec.cls, spec.constructed, spec.tag), ...definiteLength(body.length), ...body]);
}

const printable = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, "latin1"));

/** A primitive universal element with valid contents for its type. */
const universalPrimitive: fc.Arbitrary<Spec> = fc
  .oneof(
    fc.boolean().map((b) => ({ tag: Tag.BOOLEAN, content: Uint8Array.of(b ? 0xff : 0) })),
    fc.uint8Array({ minLength: 1, maxLength: 20 }).map((c) => ({ tag: Tag.INTEGER, content: c })),
    fc
      .tuple(fc.integer({ min: 0, max: 7 }), fc.uint8Array({ minLength: 1, maxLength: 20 }))
      .map(([u, c]) => ({ tag: Tag.BIT_STRING, content: Uint8Array.of(u, ...c) })),
    fc.uint8Array({ maxLength: 200 }).map((c) => ({ tag: Tag.OCTET_STRING, content: c })),
    fc.constant({ tag: Tag.NULL, content: new Uint8Array(0) }),
    fc.array(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { minLength: 1, maxLength: 6 }).map((arcs) => {
      const out: number[] = [];
      for (const a of arcs) {
        const groups = [a & 0x7f];
        for (let v = a >>> 7; v > 0; v >>>= 7) groups.unshift((v & 0x7f) | 0x80);
        out.push(...groups);
      }
      return { tag: Tag.OID, content: Uint8Array.from(out) };
    }),
    fc.string({ maxLength: 30 }).map((s) => ({ tag: Tag.UTF8_STRING, content: Uint8Array.from(Buffer.from(s, "utf8")) })),
    fc.stringMatching(/^[A-Za-z0-9 ]{0,20}$/).map((s) => ({ tag: Tag.PRINTABLE_STRING, content: printable(s) })),
    fc.date({ min: new Date(Date.UTC(1950, 0, 1)), max: new Date(Date.UTC(2049, 11, 31)), noInvalidDate: true }).map((d) => ({
      tag: Tag.UTC_TIME,
      content: printable(d.toISOString().replace(/[-:T]/g, "").slice(2, 14) + "Z"),
    })),
    fc.date({ min: new Date(Date.UTC(1000, 0, 1)), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true }).map((d) => ({
      tag: Tag.GENERALIZED_TIME,
      content: printable(d.toISOString().replace(/[-:T]/g, "").slice(0, 14) + "Z"),
    })),
  )
  .map((p) => ({ cls: 0, constructed: false, children: [], ...p }));

/** A tag number in the short form or, from 31, the long one. */
const tagNumber = fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 31, max: 200 }), fc.integer({ min: 201, max: 0x0fffffff }));

const taggedPrimitive: fc.Arbitrary<Spec> = fc
  .tuple(fc.integer({ min: 1, max: 3 }), tagNumber, fc.uint8Array({ maxLength: 40 }))
  .map(([cls, tag, content]) => ({ cls, tag, constructed: false, content, children: [] }));

/** Any universal tag number in either form, reserved ones included, with arbitrary contents. */
const anyUniversal: fc.Arbitrary<Spec> = fc
  .tuple(fc.integer({ min: 0, max: 40 }), fc.boolean(), fc.uint8Array({ maxLength: 12 }))
  .map(([tag, constructed, content]) => ({ cls: 0, tag, constructed, content, children: [] }));

const { tree: specTree } = fc.letrec<{ tree: Spec; node: Spec }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    universalPrimitive,
    taggedPrimitive,
    fc
      .tuple(fc.constantFrom(Tag.SEQUENCE, Tag.SET), fc.array(tie("node"), { maxLength: 5 }))
      .map(([tag, children]) => ({ cls: 0, tag, constructed: true, content: new Uint8Array(0), children })),
    fc
      .tuple(fc.integer({ min: 1, max: 3 }), tagNumber, fc.array(tie("node"), { maxLength: 4 }))
      .map(([cls, tag, children]) => ({ cls, tag, constructed: true, content: new Uint8Array(0), children })),
  ),
  node: tie("tree"),
}));

/** Every element of a tree, each with the path to it, so a BER liberty can be applied to one. */
function elements(spec: Spec, path: number[] = []): { spec: Spec; path: number[] }[] {
  return [{ spec, path }, ...spec.children.flatMap((c, i) => elements(c, [...path, i]))];
}

type Liberty = "long-length" | "padded-length" | "indefinite" | "long-tag" | "padded-tag" | "segmented" | "eoc-element" | "trailing";

/** Encodes `spec` with one BER-only liberty taken at the element `at`. */
function encodeWith(spec: Spec, at: Spec, liberty: Liberty): Uint8Array {
  const enc = (s: Spec): number[] => {
    const body = s.constructed ? s.children.flatMap(enc) : [...s.content];
    if (s !== at) return [...identifier(s.cls, s.constructed, s.tag), ...definiteLength(body.length), ...body];
    switch (liberty) {
      case "long-length": // X.690 §8.1.3.5 allows the long form for any length; §10.1 does not.
        return [...identifier(s.cls, s.constructed, s.tag), ...(body.length < 0x80 ? [0x81, body.length] : definiteLength(body.length, 1)), ...body];
      case "padded-length":
        return [...identifier(s.cls, s.constructed, s.tag), ...definiteLength(body.length, 1), ...body];
      case "indefinite": // §8.1.3.6, constructed only; the EOC octets close it.
        return [...identifier(s.cls, true, s.tag), 0x80, ...body, 0, 0];
      case "long-tag": // §8.1.2.4 for a number below 31.
        return [...identifier(s.cls, s.constructed, s.tag, true), ...definiteLength(body.length), ...body];
      case "padded-tag": {
        const id = identifier(s.cls, s.constructed, s.tag, true);
        return [id[0], 0x80, ...id.slice(1), ...definiteLength(body.length), ...body];
      }
      case "segmented": {
        // §8.7.3: an OCTET STRING as a constructed string of OCTET STRING segments.
        const half = body.length >> 1;
        const segment = (b: number[]): number[] => [0x04, ...definiteLength(b.length), ...b];
        const inner = [...segment(body.slice(0, half)), ...segment(body.slice(half))];
        return [0x24, ...definiteLength(inner.length), ...inner];
      }
      case "eoc-element": {
        const withEoc = [...body, 0, 0];
        return [...identifier(s.cls, s.constructed, s.tag), ...definiteLength(withEoc.length), ...withEoc];
      }
      case "trailing":
        return [...identifier(s.cls, s.constructed, s.tag), ...definiteLength(body.length), ...body];
    }
  };
  const out = enc(spec);
  return Uint8Array.from(liberty === "trailing" ? [...out, 0] : out);
}

/** Which elements of a tree can take a liberty and stay BER (and within asn1js's reading). */
function applicable(s: Spec, liberty: Liberty, root: Spec): boolean {
  switch (liberty) {
    case "indefinite":
    case "eoc-element":
      return s.constructed;
    case "long-tag":
      return s.tag < 31;
    case "padded-tag":
      return true;
    case "segmented":
      return s.cls === 0 && s.tag === Tag.OCTET_STRING && s.content.length >= 2;
    case "trailing":
      return s === root;
    default:
      return true;
  }
}

/** Trees that are DER: no reserved universal tags and, from the tagged arbitraries, forms DER allows. */
function isDer(spec: Spec): boolean {
  if (spec.cls === 0 && (spec.tag === 0 || spec.tag === 15 || spec.tag > 36)) return false;
  if (spec.cls === 0 && !spec.constructed && (spec.tag === Tag.SEQUENCE || spec.tag === Tag.SET)) return false;
  if (spec.cls === 0 && spec.constructed && ![8, 11, Tag.SEQUENCE, Tag.SET].includes(spec.tag)) return false;
  return spec.children.every(isDer);
}

// ---- Seeds: real certificates ----

function limboCertificates(): Uint8Array[] {
  const suite = JSON.parse(readFileSync(new URL("../../vectors/x509-limbo/x509-limbo.json", import.meta.url), "utf8")) as {
    testcases: { trusted_certs: string[]; untrusted_intermediates: string[]; peer_certificate: string }[];
  };
  const pems = suite.testcases.slice(0, 60).flatMap((c) => [c.peer_certificate, ...c.untrusted_intermediates, ...c.trusted_certs]);
  return pems.flatMap((pem) => decodePem(pem).map((b) => b.der));
}

const SEEDS = [...certificateNames().map(certDer), ...limboCertificates()];

/** Offsets of every element's identifier and first length octet: where a mutation changes structure. */
function headerOffsets(der: Uint8Array): number[] {
  const out: number[] = [];
  const walk = (node: DerNode): void => {
    const at = node.raw.byteOffset - der.byteOffset;
    out.push(at, at + 1, at + node.raw.length - node.content.length - 1);
    node.children.forEach(walk);
  };
  walk(parseDer(der, CTX));
  return out;
}

const mutatedCertificate: fc.Arbitrary<Uint8Array> = fc.constantFrom(...SEEDS).chain((seed) => {
  const headers = headerOffsets(seed);
  const headerEdit = fc.tuple(fc.constantFrom(...headers), fc.integer({ min: 0, max: 255 }), fc.boolean()).map(([at, value, xor]) => {
    const out = seed.slice();
    out[at] = xor ? out[at] ^ value : value;
    return out;
  });
  const flips = fc.array(fc.tuple(fc.nat({ max: seed.length - 1 }), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }).map((list) => {
    const out = seed.slice();
    for (const [at, bit] of list) out[at] ^= 1 << bit;
    return out;
  });
  const spliced = fc
    .tuple(fc.constantFrom(...headers), fc.nat({ max: 4 }), fc.uint8Array({ maxLength: 4 }))
    .map(([at, del, ins]) => Uint8Array.from([...seed.subarray(0, at), ...ins, ...seed.subarray(Math.min(seed.length, at + del))]));
  const truncated = fc.nat({ max: seed.length - 1 }).map((n) => seed.slice(0, n));
  return fc.oneof(headerEdit, headerEdit, flips, spliced, truncated);
});

describe("the strict DER reader against asn1js", () => {
  test("the seeds are DER both readers decode identically", () => {
    expect(SEEDS.length).toBeGreaterThan(100);
    for (const der of SEEDS) expect(compare(der)).toBe("both");
  });

  test("random DER trees decode to the same tree", () => {
    let checked = 0;
    fc.assert(
      fc.property(specTree, (spec) => {
        fc.pre(isDer(spec));
        expect(compare(encode(spec))).toBe("both");
        checked++;
      }),
      params(1500),
    );
    expect(checked).toBeGreaterThan(1000);
  });

  test("one BER-only liberty anywhere in a tree: asn1js decodes it whole, the reader refuses it naming the DER rule", () => {
    const liberties: Liberty[] = ["long-length", "padded-length", "indefinite", "long-tag", "padded-tag", "segmented", "eoc-element", "trailing"];
    const seen = new Set<Liberty>();
    fc.assert(
      fc.property(specTree, fc.constantFrom(...liberties), fc.nat(), (spec, liberty, pick) => {
        fc.pre(isDer(spec));
        const candidates = elements(spec).filter((e) => applicable(e.spec, liberty, spec));
        fc.pre(candidates.length > 0);
        const input = encodeWith(spec, candidates[pick % candidates.length].spec, liberty);
        const their = asn1jsDecode(input);
        if ("error" in their) throw new Error(`asn1js refused a ${liberty} encoding: ${their.error}`);
        expect(their.whole).toBe(liberty !== "trailing");
        const result = readerResult(input);
        expect(result).toBeInstanceOf(TLSError);
        expect((result as TLSError).message).toMatch(DER_RULE);
        seen.add(liberty);
      }),
      params(2000),
    );
    expect([...seen].sort()).toEqual([...liberties].sort());
  });

  test("mutated certificates: accepted only as asn1js reads them, refused only for a DER rule or a broken structure", () => {
    const outcomes = { both: 0, "reader-only": 0, "der-rule": 0, neither: 0 };
    fc.assert(
      fc.property(mutatedCertificate, (der) => {
        outcomes[compare(der)]++;
      }),
      params(4000),
    );
    // Every branch of the comparison was reached, so none of its assertions is vacuous.
    expect(outcomes.both).toBeGreaterThan(100);
    expect(outcomes.neither).toBeGreaterThan(100);
    expect(outcomes["der-rule"]).toBeGreaterThan(10);
  });
});

test("arbitrary universal tags and forms: accepted only as asn1js reads them, refused only for a DER rule or a broken structure", () => {
  const outcomes = { both: 0, "reader-only": 0, "der-rule": 0, neither: 0 };
  const withAnyUniversal = fc.tuple(
    fc.constantFrom(Tag.SEQUENCE, Tag.SET),
    fc.array(fc.oneof(anyUniversal, universalPrimitive), { minLength: 1, maxLength: 4 }),
  );
  fc.assert(
    fc.property(withAnyUniversal, ([tag, children]) => {
      outcomes[compare(encode({ cls: 0, tag, constructed: true, content: new Uint8Array(0), children }))]++;
    }),
    params(2000),
  );
  expect(outcomes.both).toBeGreaterThan(100);
  expect(outcomes["der-rule"]).toBeGreaterThan(100);
});

describe("limits, where asn1js's maxDepth and maxNodes put them", () => {
  const nested = (levels: number): Uint8Array => {
    let der = Uint8Array.of(0x05, 0x00);
    for (let i = 0; i < levels; i++) der = Uint8Array.from([0x30, ...definiteLength(der.length), ...der]);
    return der;
  };

  test(`an element ${MAX_DER_DEPTH} levels below the root is read, one more is refused`, () => {
    expect(compare(nested(MAX_DER_DEPTH))).toBe("both");
    expect(asn1jsDecode(nested(MAX_DER_DEPTH + 1))).toHaveProperty("error");
    expect(() => parseDer(nested(MAX_DER_DEPTH + 1), CTX)).toThrow(/nested deeper than 32 levels/);
  });

  test(`${MAX_DER_NODES} elements are read, one more is refused`, () => {
    const flat = (count: number): Uint8Array => {
      const body = new Uint8Array((count - 1) * 2).fill(0).map((_, i) => (i % 2 === 0 ? 0x05 : 0));
      return Uint8Array.from([0x30, ...definiteLength(body.length), ...body]);
    };
    expect(compare(flat(MAX_DER_NODES))).toBe("both");
    expect(asn1jsDecode(flat(MAX_DER_NODES + 1))).toHaveProperty("error");
    expect(() => parseDer(flat(MAX_DER_NODES + 1), CTX)).toThrow(/more than 20000 ASN.1 elements/);
  });
});
