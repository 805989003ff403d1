/**
 * The per-algorithm modules and `createProvider`, in one place for the entry points: an application
 * composes a provider from the algorithms it negotiates, and a bundler keeps only those.
 */
export { createProvider, type ProviderAlgorithms } from "./compose.js";
export { sha256, sha384, sha512, type HashAlgorithm } from "./hash.js";
export { aes128gcm, aes256gcm, chacha20poly1305, type AeadCipher } from "./aead.js";
export { largeGcmTables, type GhashTables } from "./ghash.js";
export { x25519, secp256r1, secp384r1, x25519mlkem768, type KeyShareGroup } from "./key-share.js";
export { x25519Compact } from "./x25519-compact.js";
export { ecdsaP256, ecdsaP384, ed25519, rsa, type SignatureKeyAlgorithm, type SignatureKeyType } from "./signature.js";
