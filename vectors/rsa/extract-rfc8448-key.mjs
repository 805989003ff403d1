#!/usr/bin/env node
// Extracts the server RSA key printed in RFC 8448 §2 ("Private Keys") into rfc8448-server-key.json.
// Usage: node vectors/rsa/extract-rfc8448-key.mjs [path/to/rfc8448.txt]
// Without a path it reads <repo>/../shared/vectors/rfc8448.txt. Node built-ins only.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const input = process.argv[2] ? resolve(process.argv[2]) : resolve(HERE, "../../../shared/vectors/rfc8448.txt");
const text = readFileSync(input, "utf8");

// §2 runs from its heading to the §3 heading; drop the page footer/header lines and form feeds.
const start = text.indexOf("\n2.  Private Keys");
const end = text.indexOf("\n3.  Simple 1-RTT Handshake");
if (start < 0 || end < start) throw new Error("RFC 8448 §2 not found");
const lines = text
  .slice(start, end)
  .split("\n")
  .filter((line) => !/^Thomson\s+Informational\s+\[Page \d+\]$/.test(line.trim()) && !/^RFC 8448\s+TLS 1\.3 Traces/.test(line.trim()))
  .map((line) => line.replace(/\f/g, ""));

// RFC field label -> JSON name (RFC 8017 §A.1.2 names in the RFC, our names in the JSON).
const FIELDS = {
  "modulus (public)": "n",
  "public exponent": "e",
  "private exponent": "d",
  prime1: "p",
  prime2: "q",
  exponent1: "dp",
  exponent2: "dq",
  coefficient: "qinv",
};
const key = {};
let current = null;
for (const line of lines) {
  const labelled = /^\s{3}([a-z0-9 ()]+):\s+((?:[0-9a-f]{2}\s*)+)$/.exec(line);
  if (labelled && labelled[1] in FIELDS) {
    current = FIELDS[labelled[1]];
    key[current] = labelled[2].replace(/\s+/g, "");
    continue;
  }
  const continuation = /^\s{6}((?:[0-9a-f]{2}\s*)+)$/.exec(line);
  if (continuation && current) {
    key[current] += continuation[1].replace(/\s+/g, "");
    continue;
  }
  if (line.trim() !== "") current = null;
}
for (const name of Object.values(FIELDS)) if (!key[name]) throw new Error(`RFC 8448 §2: no ${name}`);

const big = (hex) => BigInt("0x" + hex);
const [n, e, d, p, q, dp, dq, qinv] = Object.values(FIELDS).map((name) => big(key[name]));
// Refuse to write a key that does not hang together: a mis-parse would show up here.
if (p * q !== n || d % (p - 1n) !== dp || d % (q - 1n) !== dq || (qinv * q) % p !== 1n || e !== 65537n) {
  throw new Error("RFC 8448 §2 key fails its consistency checks");
}

const out = {
  description: "The server RSA key of RFC 8448 §2, as printed (hex, big-endian)",
  source: "RFC 8448, Section 2 (Private Keys); extracted by vectors/rsa/extract-rfc8448-key.mjs",
  bits: n.toString(2).length,
  key: Object.fromEntries(Object.values(FIELDS).map((name) => [name, key[name]])),
};
writeFileSync(join(HERE, "rfc8448-server-key.json"), JSON.stringify(out, null, 2) + "\n");
console.log(`wrote ${join(HERE, "rfc8448-server-key.json")} (${out.bits}-bit key)`);
