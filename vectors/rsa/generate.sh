#!/usr/bin/env bash
# Regenerates the RSA test vectors in this directory. Keys and every signature come from the
# OpenSSL command line; to-json.mjs only re-encodes the key (via node:crypto's JWK export) and the
# signature files as hex JSON. See README.md for provenance.
#
# Usage: vectors/rsa/generate.sh   (needs openssl 3.x and node >= 20 on PATH)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Message 1: a TLS 1.3 server CertificateVerify content (RFC 8446 §4.4.3): 64 spaces, the context
# string, a zero byte, and a 32-byte stand-in for the transcript hash.
printf '%64s' '' > "$work/msg1.bin"
printf 'TLS 1.3, server CertificateVerify\000' >> "$work/msg1.bin"
openssl rand 32 >> "$work/msg1.bin"
# Message 2: a short ASCII string.
printf 'mutls RSA test vector' > "$work/msg2.bin"

for bits in 1024 2048 3072 4096; do
  dir="$work/rsa-$bits"
  mkdir -p "$dir"
  openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$bits" -out "$dir/key.pem" 2>/dev/null
  for hash in sha256 sha384 sha512; do
    for msg in msg1 msg2; do
      # RSASSA-PKCS1-v1_5 (OpenSSL's default RSA padding for dgst -sign).
      openssl dgst "-$hash" -sign "$dir/key.pem" -out "$dir/$msg.$hash.pkcs1.sig" "$work/$msg.bin"
      # RSASSA-PSS with MGF1 over the same hash and salt length = hash length (RFC 8446 §4.2.3).
      # A 1024-bit key is too short for PSS with SHA-512 and a 64-byte salt (RFC 8017 §9.1.1 step 3).
      if [ "$bits" -eq 1024 ] && [ "$hash" = sha512 ]; then continue; fi
      for round in 1 2; do
        openssl dgst "-$hash" -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest \
          -sigopt "rsa_mgf1_md:$hash" -sign "$dir/key.pem" -out "$dir/$msg.$hash.pss.$round.sig" "$work/$msg.bin"
      done
    done
  done
  node "$here/to-json.mjs" "$work" "$bits" "$(openssl version)" > "$here/rsa-$bits.json"
done

echo "wrote $here/rsa-{1024,2048,3072,4096}.json"
