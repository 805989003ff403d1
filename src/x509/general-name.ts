/**
 * GeneralName (RFC 5280 §4.2.1.6), shared by subjectAltName and nameConstraints. The forms
 * mutls matches identities against are decoded; the others (otherName, x400Address,
 * ediPartyName, registeredID) are kept by tag so a name constraint on them can still be honoured
 * by refusing what it cannot evaluate.
 */
import { malformed, type DerContext, type DerNode } from "./der.js";
import { parseName, type DistinguishedName } from "./name.js";

export const GeneralNameTag = {
  otherName: 0,
  rfc822Name: 1,
  dNSName: 2,
  x400Address: 3,
  directoryName: 4,
  ediPartyName: 5,
  uniformResourceIdentifier: 6,
  iPAddress: 7,
  registeredID: 8,
} as const;

export const GENERAL_NAME_FORMS: Record<number, string> = {
  0: "otherName",
  1: "rfc822Name",
  2: "dNSName",
  3: "x400Address",
  4: "directoryName",
  5: "ediPartyName",
  6: "uniformResourceIdentifier",
  7: "iPAddress",
  8: "registeredID",
};

export type GeneralName =
  | { readonly form: "rfc822Name" | "dNSName" | "uniformResourceIdentifier"; readonly text: string }
  | { readonly form: "iPAddress"; readonly bytes: Uint8Array }
  | { readonly form: "directoryName"; readonly name: DistinguishedName }
  | { readonly form: "other"; readonly tag: number };

/** IA5String contents (implicitly tagged in GeneralName) must be 7-bit ASCII. */
function ia5(node: DerNode, field: string, ctx: DerContext): string {
  if (node.constructed) malformed(ctx, `${field} has the wrong encoding form`);
  let s = "";
  for (const b of node.content) {
    if (b > 0x7f) malformed(ctx, `${field} is not ASCII`);
    s += String.fromCharCode(b);
  }
  return s;
}

export function parseGeneralName(node: DerNode, ctx: DerContext): GeneralName {
  if (node.tagClass !== "context" || node.tag > 8) malformed(ctx, "a GeneralName has an unknown form");
  switch (node.tag) {
    case GeneralNameTag.rfc822Name:
      return { form: "rfc822Name", text: ia5(node, "rfc822Name", ctx) };
    case GeneralNameTag.dNSName:
      return { form: "dNSName", text: ia5(node, "dNSName", ctx) };
    case GeneralNameTag.uniformResourceIdentifier:
      return { form: "uniformResourceIdentifier", text: ia5(node, "uniformResourceIdentifier", ctx) };
    case GeneralNameTag.iPAddress:
      if (node.constructed) malformed(ctx, "iPAddress has the wrong encoding form");
      return { form: "iPAddress", bytes: node.content };
    case GeneralNameTag.directoryName: {
      // directoryName is EXPLICIT (the Name CHOICE cannot be implicitly tagged): [4] { Name }.
      if (!node.constructed || node.children.length !== 1) malformed(ctx, "directoryName is badly encoded");
      return { form: "directoryName", name: parseName(node.children[0], "directoryName", ctx) };
    }
    default:
      return { form: "other", tag: node.tag };
  }
}
