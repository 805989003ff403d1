/** The committed X.509 fixtures of test/fixtures/certs (made by its make.sh). */
import { readFileSync } from "node:fs";
import type { MutualCredentials } from "./pair.js";

const CERTS_DIR = new URL("../fixtures/certs/", import.meta.url);

/** The key types there is a server and a client leaf for. */
export const KEY_TYPES = ["p256", "p384", "ed25519", "rsa2048"] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export function readPem(fileName: string): string {
  return readFileSync(new URL(fileName, CERTS_DIR), "utf8");
}

/** The DER bodies of every block of `label` in `pem`, in order. */
export function pemToDer(pem: string, label = "CERTIFICATE"): Uint8Array[] {
  const blocks = pem.matchAll(new RegExp(`-----BEGIN ${label}-----([^-]+)-----END ${label}-----`, "g"));
  return [...blocks].map((m) => new Uint8Array(Buffer.from(m[1].replace(/\s+/g, ""), "base64")));
}

export interface Credential {
  /** e.g. "client-p256" */
  name: string;
  certPem: string;
  /** PKCS#8 PEM */
  keyPem: string;
  certDer: Uint8Array;
}

/** `name` is a fixture stem: "ca", "server-p384", "client-ed25519", "untrusted-client", ... */
export function credential(name: string): Credential {
  const certPem = readPem(`${name}.cert.pem`);
  return { name, certPem, keyPem: readPem(`${name}.key.pem`), certDer: pemToDer(certPem)[0] };
}

export const serverCredential = (type: KeyType): Credential => credential(`server-${type}`);
export const clientCredential = (type: KeyType): Credential => credential(`client-${type}`);

/** The SPIFFE ID in the SAN of client-<type>. */
export const clientSpiffeId = (type: KeyType | "untrusted"): string => `spiffe://mutls.test/client/${type}`;

/** The trusted test root, PEM. */
export const CA_PEM = readPem("ca.cert.pem");
/** A root nothing trusts; untrusted-client and untrusted-server chain to it. */
export const UNTRUSTED_CA_PEM = readPem("untrusted-ca.cert.pem");

/** The test CA and a server and a client leaf under it, for the pair builder (pair.ts). */
export function mutualCredentials(server: KeyType = "p256", client: KeyType = server): MutualCredentials {
  const s = serverCredential(server);
  const c = clientCredential(client);
  return { ca: CA_PEM, serverCert: s.certPem, serverKey: s.keyPem, clientCert: c.certPem, clientKey: c.keyPem };
}
