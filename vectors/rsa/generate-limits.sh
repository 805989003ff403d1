#!/usr/bin/env bash
# Regenerates rsa-limits.json: public keys at and past the RSA key limits of src/crypto/rsa.ts
# (modulus at most 8192 bits, public exponent at most 2^32 - 1), each with one PKCS#1 v1.5
# SHA-256 signature that OpenSSL made and verifies. Only the public keys are kept.
#
# Usage: vectors/rsa/generate-limits.sh   (needs openssl 3.x and node >= 20; the 16384-bit key
# takes about half a minute even with five primes)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

printf 'mutls RSA limit vector' > "$work/msg.bin"
gen() { openssl genpkey -algorithm RSA "$@" 2>/dev/null; }
gen -pkeyopt rsa_keygen_bits:8192 -pkeyopt rsa_keygen_primes:3 -out "$work/modulus-8192.pem"
gen -pkeyopt rsa_keygen_bits:16384 -pkeyopt rsa_keygen_primes:5 -out "$work/modulus-16384.pem"
gen -pkeyopt rsa_keygen_bits:2048 -pkeyopt rsa_keygen_pubexp:4294967295 -out "$work/exponent-2p32-1.pem"
gen -pkeyopt rsa_keygen_bits:2048 -pkeyopt rsa_keygen_pubexp:4294967297 -out "$work/exponent-2p32+1.pem"
for key in "$work"/*.pem; do
  openssl dgst -sha256 -sign "$key" -out "${key%.pem}.sig" "$work/msg.bin"
  openssl dgst -sha256 -verify <(openssl pkey -in "$key" -pubout) -signature "${key%.pem}.sig" "$work/msg.bin" >/dev/null
done
node "$here/limits-to-json.mjs" "$work" "$(openssl version)" > "$here/rsa-limits.json"
