/**
 * RSA key generation for the development CA (RFC 8017 §3.2, FIPS 186-5 §A.1.3 in spirit):
 * two random primes of half the modulus size, e = 65537, probable primality by Miller-Rabin
 * with enough rounds for 1024-bit candidates (FIPS 186-5 Table B.1: 5 rounds suffice; 40 are run).
 * BigInt arithmetic is not constant-time: use these keys for development, not production.
 */
import { invert } from "@noble/curves/abstract/modular.js";
import type { CryptoProvider, PrivateKey } from "../crypto/provider.js";
import { modPow, os2ip } from "../crypto/rsa.js";

const E = 65537n;
const ROUNDS = 40;
const SMALL_PRIMES: readonly bigint[] = (() => {
  const out: bigint[] = [];
  for (let n = 3; n < 2000; n += 2) if (out.every((p) => BigInt(n) % p !== 0n)) out.push(BigInt(n));
  return out;
})();

function randomBelow(limit: bigint, provider: CryptoProvider): bigint {
  const bytes = Math.ceil(limit.toString(2).length / 8) + 8;
  return os2ip(provider.randomBytes(bytes)) % limit;
}

function isProbablePrime(n: bigint, provider: CryptoProvider): boolean {
  if (SMALL_PRIMES.some((p) => n % p === 0n)) return false;
  let d = n - 1n;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  for (let round = 0; round < ROUNDS; round++) {
    const base = 2n + randomBelow(n - 3n, provider);
    let x = modPow(base, d, n);
    if (x === 1n || x === n - 1n) continue;
    let composite = true;
    for (let i = 1; i < s && composite; i++) {
      x = (x * x) % n;
      if (x === n - 1n) composite = false;
    }
    if (composite) return false;
  }
  return true;
}

/** A random prime of exactly `bits` bits, the top two bits set (so p*q has the full size), with gcd(p-1, e) = 1. */
function randomPrime(bits: number, provider: CryptoProvider): bigint {
  for (let attempt = 0; attempt < 100_000; attempt++) {
    let candidate = os2ip(provider.randomBytes(bits / 8));
    candidate |= (3n << BigInt(bits - 2)) | 1n;
    if ((candidate - 1n) % E === 0n) continue;
    if (isProbablePrime(candidate, provider)) return candidate;
  }
  throw new Error("RSA key generation found no prime; is the random source broken?");
}

export function generateRsaKey(modulusBits: number, provider: CryptoProvider): PrivateKey {
  for (;;) {
    const p = randomPrime(modulusBits / 2, provider);
    const q = randomPrime(modulusBits / 2, provider);
    if (p === q) continue;
    const n = p * q;
    if (n.toString(2).length !== modulusBits) continue;
    const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n);
    const d = invert(E, lambda);
    return { kind: "rsa", n, e: E, d, p, q, dp: d % (p - 1n), dq: d % (q - 1n), qinv: invert(q, p) };
  }
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}
