// Re-encodes the OpenSSL-made keys and signatures of generate-limits.sh as JSON with hex fields:
// the public key only (from node:crypto's JWK export), the message, and the signature file as is.
//
// Usage: node limits-to-json.mjs <workdir> <openssl version string>
import { createPublicKey } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const [work, opensslVersion] = process.argv.slice(2);
const hex = (b64url) => Buffer.from(b64url, "base64url").toString("hex");
const keys = {};
for (const file of readdirSync(work).filter((f) => f.endsWith(".pem")).sort()) {
  const name = file.slice(0, -".pem".length);
  const jwk = createPublicKey(readFileSync(join(work, file))).export({ format: "jwk" });
  keys[name] = {
    bits: Buffer.from(jwk.n, "base64url").length * 8,
    n: hex(jwk.n),
    e: hex(jwk.e),
    signature: readFileSync(join(work, `${name}.sig`)).toString("hex"),
  };
}
const out = {
  description: "RSA public keys at and past mutls's key limits, each with an OpenSSL PKCS#1 v1.5 SHA-256 signature over `message` (vectors/rsa/generate-limits.sh)",
  generator: opensslVersion,
  generated: new Date().toISOString().slice(0, 10),
  message: readFileSync(join(work, "msg.bin")).toString("hex"),
  keys,
};
process.stdout.write(JSON.stringify(out, null, 2) + "\n");
