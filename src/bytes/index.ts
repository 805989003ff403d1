export { AlertDescription, alertName, type AlertName } from "./alert.js";
export { TLSError, UsageError, missingModule, fail, decodeError, type ErrorOrigin, type TLSErrorReason } from "./tls-error.js";
export { Reader } from "./reader.js";
export { Writer } from "./writer.js";
export { toHex, fromHex, encodeBase64, BASE64_ALPHABET, asciiBytes, bytesToAscii, concatBytes, bytesEqual } from "./encoding.js";
export { constantTimeEqual } from "./constant-time.js";
