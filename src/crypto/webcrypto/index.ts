/** The WebCrypto provider and signing with a runtime-held `CryptoKey` (issue 13). */
export { webCryptoProvider, type WebCryptoProvider, type WebCryptoProviderOptions } from "./provider.js";
export { type WebCryptoAlgorithm, detectWebCrypto } from "./detect.js";
export { signWithCryptoKey, signatureAlgorithmOfKey } from "./signing-key.js";
export { webCryptoKeyShareFromPrivateKey } from "./key-share.js";
export type { SubtleLike, WebCryptoKey } from "./subtle.js";
