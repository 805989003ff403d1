import type { AeadAlgorithm, GroupName, HashName, SignatureAlgorithm } from "../../crypto/provider.js";

/** RFC 8446 §4: handshake message types. */
export enum HandshakeType {
  client_hello = 1,
  server_hello = 2,
  new_session_ticket = 4,
  end_of_early_data = 5,
  encrypted_extensions = 8,
  certificate = 11,
  certificate_request = 13,
  certificate_verify = 15,
  finished = 20,
  key_update = 24,
  message_hash = 254,
}

export function handshakeTypeName(type: number): string {
  return (HandshakeType as Record<number, string | undefined>)[type] ?? `handshake_type_${type}`;
}

/** RFC 8446 §4.2 extension types (and the RFCs that define the rest). */
export enum ExtensionType {
  server_name = 0,
  max_fragment_length = 1,
  status_request = 5,
  supported_groups = 10,
  ec_point_formats = 11,
  signature_algorithms = 13,
  use_srtp = 14,
  heartbeat = 15,
  application_layer_protocol_negotiation = 16,
  signed_certificate_timestamp = 18,
  client_certificate_type = 19,
  server_certificate_type = 20,
  padding = 21,
  extended_master_secret = 23,
  record_size_limit = 28,
  /** RFC 8773: authenticate with certificates while an external PSK feeds the key schedule. */
  tls_cert_with_extern_psk = 33,
  session_ticket = 35,
  pre_shared_key = 41,
  early_data = 42,
  supported_versions = 43,
  cookie = 44,
  psk_key_exchange_modes = 45,
  certificate_authorities = 47,
  oid_filters = 48,
  post_handshake_auth = 49,
  signature_algorithms_cert = 50,
  key_share = 51,
  renegotiation_info = 0xff01,
}

export function extensionName(type: number): string {
  return (ExtensionType as Record<number, string | undefined>)[type] ?? `extension_${type}`;
}

export const TLS13 = 0x0304;
export const TLS12 = 0x0303;
/** SSL 3.0: a Hello whose legacy_version is this or lower is refused (RFC 8446 Appendix D.5). */
export const SSL30 = 0x0300;

export type CipherSuiteName = "TLS_AES_128_GCM_SHA256" | "TLS_AES_256_GCM_SHA384" | "TLS_CHACHA20_POLY1305_SHA256";

export interface CipherSuite {
  readonly name: CipherSuiteName;
  readonly code: number;
  readonly hash: HashName;
  readonly aead: AeadAlgorithm;
  readonly keyLength: number;
}

/** RFC 8446 §B.4. Order is the default preference. */
export const CIPHER_SUITES: readonly CipherSuite[] = [
  { name: "TLS_AES_128_GCM_SHA256", code: 0x1301, hash: "SHA-256", aead: "AES-128-GCM", keyLength: 16 },
  { name: "TLS_AES_256_GCM_SHA384", code: 0x1302, hash: "SHA-384", aead: "AES-256-GCM", keyLength: 32 },
  { name: "TLS_CHACHA20_POLY1305_SHA256", code: 0x1303, hash: "SHA-256", aead: "CHACHA20-POLY1305", keyLength: 32 },
];

export function cipherSuiteByCode(code: number): CipherSuite | undefined {
  return CIPHER_SUITES.find((s) => s.code === code);
}

/** RFC 8446 §4.2.7 named groups this engine implements, default preference order first. */
export const GROUPS: readonly { readonly name: GroupName; readonly code: number }[] = [
  { name: "x25519", code: 0x001d },
  { name: "secp256r1", code: 0x0017 },
  { name: "secp384r1", code: 0x0018 },
  // draft-ietf-tls-ecdhe-mlkem §3; offered only when configured, so defaults stay classical.
  { name: "X25519MLKEM768", code: 0x11ec },
];

/** The groups used when the configuration names none. */
export const DEFAULT_GROUPS: readonly GroupName[] = ["x25519", "secp256r1", "secp384r1"];

export function groupByCode(code: number): GroupName | undefined {
  return GROUPS.find((g) => g.code === code)?.name;
}

export function groupCode(name: GroupName): number {
  const g = GROUPS.find((x) => x.name === name);
  if (!g) throw new RangeError(`unknown group ${name}`);
  return g.code;
}

export type SignatureSchemeName =
  | "ecdsa_secp256r1_sha256"
  | "ecdsa_secp384r1_sha384"
  | "ed25519"
  | "rsa_pss_rsae_sha256"
  | "rsa_pss_rsae_sha384"
  | "rsa_pss_rsae_sha512"
  | "rsa_pss_pss_sha256"
  | "rsa_pss_pss_sha384"
  | "rsa_pss_pss_sha512"
  | "rsa_pkcs1_sha256"
  | "rsa_pkcs1_sha384"
  | "rsa_pkcs1_sha512";

export interface SignatureScheme {
  readonly name: SignatureSchemeName;
  readonly code: number;
  readonly algorithm: SignatureAlgorithm;
  /** The key a CertificateVerify with this scheme needs (RFC 8446 §4.2.3 binds curve and hash). */
  readonly key: "P-256" | "P-384" | "ed25519" | "rsa" | "rsa-pss";
  /** RFC 8446 §4.2.3: rsa_pkcs1_* is for certificate signatures only, never CertificateVerify. */
  readonly certificateOnly: boolean;
}

const pss = (hash: HashName): SignatureAlgorithm => ({
  kind: "rsa-pss",
  hash,
  saltLength: hash === "SHA-256" ? 32 : hash === "SHA-384" ? 48 : 64,
});

/** Default preference order: ECDSA and Ed25519 first (cheap to verify in pure JS is RSA, but cheap to sign is EC). */
export const SIGNATURE_SCHEMES: readonly SignatureScheme[] = [
  { name: "ecdsa_secp256r1_sha256", code: 0x0403, algorithm: { kind: "ecdsa", hash: "SHA-256" }, key: "P-256", certificateOnly: false },
  { name: "ecdsa_secp384r1_sha384", code: 0x0503, algorithm: { kind: "ecdsa", hash: "SHA-384" }, key: "P-384", certificateOnly: false },
  { name: "ed25519", code: 0x0807, algorithm: { kind: "ed25519" }, key: "ed25519", certificateOnly: false },
  { name: "rsa_pss_rsae_sha256", code: 0x0804, algorithm: pss("SHA-256"), key: "rsa", certificateOnly: false },
  { name: "rsa_pss_rsae_sha384", code: 0x0805, algorithm: pss("SHA-384"), key: "rsa", certificateOnly: false },
  { name: "rsa_pss_rsae_sha512", code: 0x0806, algorithm: pss("SHA-512"), key: "rsa", certificateOnly: false },
  { name: "rsa_pss_pss_sha256", code: 0x0809, algorithm: pss("SHA-256"), key: "rsa-pss", certificateOnly: false },
  { name: "rsa_pss_pss_sha384", code: 0x080a, algorithm: pss("SHA-384"), key: "rsa-pss", certificateOnly: false },
  { name: "rsa_pss_pss_sha512", code: 0x080b, algorithm: pss("SHA-512"), key: "rsa-pss", certificateOnly: false },
  { name: "rsa_pkcs1_sha256", code: 0x0401, algorithm: { kind: "rsa-pkcs1", hash: "SHA-256" }, key: "rsa", certificateOnly: true },
  { name: "rsa_pkcs1_sha384", code: 0x0501, algorithm: { kind: "rsa-pkcs1", hash: "SHA-384" }, key: "rsa", certificateOnly: true },
  { name: "rsa_pkcs1_sha512", code: 0x0601, algorithm: { kind: "rsa-pkcs1", hash: "SHA-512" }, key: "rsa", certificateOnly: true },
];

export function signatureSchemeByCode(code: number): SignatureScheme | undefined {
  return SIGNATURE_SCHEMES.find((s) => s.code === code);
}

export function signatureSchemeByName(name: SignatureSchemeName): SignatureScheme {
  const s = SIGNATURE_SCHEMES.find((x) => x.name === name);
  if (!s) throw new RangeError(`unknown signature scheme ${name}`);
  return s;
}

/** RFC 8446 §4.1.3: the special ServerHello.random that marks a HelloRetryRequest (SHA-256 of "HelloRetryRequest"). */
export const HELLO_RETRY_REQUEST_RANDOM = new Uint8Array([
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
  0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
]);

/** RFC 8446 §4.1.3 downgrade sentinels in the last 8 bytes of ServerHello.random ("DOWNGRD" + 01 / 00). */
export const DOWNGRADE_TLS12 = new Uint8Array([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01]);
export const DOWNGRADE_TLS11 = new Uint8Array([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00]);

