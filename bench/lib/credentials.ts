/** The committed test certificates (test/fixtures/certs), read once for every benchmark. */
import { readFileSync } from "node:fs";
import type { MutualCredentials } from "../../test/helpers/pair.js";

const CERTS = new URL("../../test/fixtures/certs/", import.meta.url);

export type BenchKeyType = "p256" | "ed25519";

/** The pair builder's credentials (test/helpers/pair.ts), read from the committed files. */
export type BenchCredentials = MutualCredentials;

const read = (name: string): string => readFileSync(new URL(name, CERTS), "utf8");

export function benchCredentials(type: BenchKeyType): BenchCredentials {
  return {
    ca: read("ca.cert.pem"),
    serverCert: read(`server-${type}.cert.pem`),
    serverKey: read(`server-${type}.key.pem`),
    clientCert: read(`client-${type}.cert.pem`),
    clientKey: read(`client-${type}.key.pem`),
  };
}
