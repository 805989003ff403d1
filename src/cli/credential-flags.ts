/**
 * `--cert`, `--key` and `--ca`, checked at start-up (before any connection is made or accepted):
 * each file is read and parsed, and the key must belong to the certificate. A problem is one
 * UsageError line naming the flag and the file, so the user fixes the file, not the network.
 */
import { bytesToAscii } from "../bytes/index.js";
import type { Certificate, PrivateKey } from "../index.js";
import { parseCertificate, parsePrivateKey, pemCertificates, privateKeyMatchesCertificate } from "../x509/index.js";
import { type ParsedArgs, UsageError, readFileOption } from "./args.js";

export interface CredentialFiles {
  /** Our chain as DER, leaf first. */
  readonly cert?: Uint8Array[];
  /** Our key as read from the file (PEM or DER). */
  readonly key?: Uint8Array;
  /** The trust anchors as DER. */
  readonly ca?: Uint8Array[];
  /** The parsed leaf of `cert`. */
  readonly leaf?: Certificate;
}

const isPem = (bytes: Uint8Array): boolean => /^\s*-----BEGIN /.test(bytesToAscii(bytes.subarray(0, 64)));
const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The certificates in a PEM or DER file, each parsed, or a UsageError naming the flag and the file. */
function certificatesOption(args: ParsedArgs, name: string): { ders: Uint8Array[]; parsed: Certificate[] } | undefined {
  const bytes = readFileOption(args, name);
  if (bytes === undefined) return undefined;
  const path = args.values.get(name) ?? "";
  // A DER certificate is a SEQUENCE (0x30); anything else that is not PEM is not a certificate file.
  if (!isPem(bytes) && bytes[0] !== 0x30) throw new UsageError(`--${name} ${path}: no "BEGIN CERTIFICATE" block in it, and it is not DER either`);
  let ders: Uint8Array[];
  try {
    ders = isPem(bytes) ? pemCertificates(bytesToAscii(bytes)) : [bytes];
  } catch (e) {
    throw new UsageError(`--${name} ${path}: unreadable PEM: ${reason(e)}`);
  }
  if (ders.length === 0) throw new UsageError(`--${name} ${path}: no "BEGIN CERTIFICATE" block in it (a certificate file is PEM or DER)`);
  const parsed = ders.map((der, i) => {
    try {
      return parseCertificate(der);
    } catch (e) {
      const which = ders.length > 1 ? `certificate #${i + 1} ` : "";
      throw new UsageError(`--${name} ${path}: ${which}is not a valid X.509 certificate: ${reason(e)}`);
    }
  });
  return { ders, parsed };
}

function privateKeyOption(args: ParsedArgs): { bytes: Uint8Array; key: PrivateKey } | undefined {
  const bytes = readFileOption(args, "key");
  if (bytes === undefined) return undefined;
  try {
    return { bytes, key: parsePrivateKey(isPem(bytes) ? bytesToAscii(bytes) : bytes) };
  } catch (e) {
    throw new UsageError(`--key ${args.values.get("key")}: not a private key mutls can use: ${reason(e)}`);
  }
}

/** Reads and checks `--cert`, `--key` and `--ca`; the key must match the certificate's public key. */
export function credentialFlags(args: ParsedArgs): CredentialFiles {
  if (args.values.has("cert") !== args.values.has("key")) throw new UsageError("--cert and --key go together");
  const cert = certificatesOption(args, "cert");
  const key = privateKeyOption(args);
  const ca = certificatesOption(args, "ca");
  if (cert && key && !privateKeyMatchesCertificate(key.key, cert.parsed[0])) {
    throw new UsageError(
      `--key ${args.values.get("key")} does not match the certificate in --cert ${args.values.get("cert")} (${cert.parsed[0].subject.text || "empty subject"}): they are not a pair`,
    );
  }
  return { cert: cert?.ders, key: key?.bytes, ca: ca?.ders, leaf: cert?.parsed[0] };
}
