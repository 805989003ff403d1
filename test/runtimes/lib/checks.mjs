/**
 * The runtime matrix's verdicts. Each function lists what is wrong with one report, judged by
 * outside truth: what OpenSSL (Node's tls) concluded on the other end, and the fixtures as
 * node:crypto (OpenSSL) parses them. `fixtures` holds SERVER_X509 and CLIENT_X509
 * (node:crypto X509Certificate objects of the certificates in use).
 */

/** SAN entries of one kind ("DNS", "URI") as node:crypto (OpenSSL) prints them. */
export function sanValues(x509, kind) {
  return (x509.subjectAltName ?? "").split(", ").filter((s) => s.startsWith(kind + ":")).map((s) => s.slice(kind.length + 1));
}

const sameList = (a, b) => JSON.stringify([...(a ?? [])].sort()) === JSON.stringify([...b].sort());

/** A mutls client's report: it must have verified exactly the server OpenSSL-parsed fixtures describe. */
export function clientReportProblems(report, message, { SERVER_X509 }) {
  const problems = [];
  if (report.echoed !== message) problems.push(`echo was ${JSON.stringify(report.echoed)}, sent ${JSON.stringify(message)}`);
  if (report.serverLeafHex !== SERVER_X509.raw.toString("hex")) problems.push("the server certificate it reports is not the one the server sent");
  const expectedDns = sanValues(SERVER_X509, "DNS");
  if (!sameList(report.serverDnsNames, expectedDns)) problems.push(`server DNS names ${JSON.stringify(report.serverDnsNames)}; OpenSSL reads ${JSON.stringify(expectedDns)}`);
  if (!report.cipherSuite) problems.push("no cipher suite in the handshake result");
  if (report.sawCleanEnd !== true) problems.push("the peer's close_notify did not end the stream cleanly");
  return problems;
}

/** A mutls server's report: the client identity must be the client certificate's, as OpenSSL parses it. */
export function serverReportProblems(report, { CLIENT_X509 }) {
  const problems = [];
  if (report.clientLeafHex !== CLIENT_X509.raw.toString("hex")) problems.push("mutls reports a different client certificate");
  const expectedUris = sanValues(CLIENT_X509, "URI");
  if (!sameList(report.clientUris, expectedUris)) problems.push(`client URIs ${JSON.stringify(report.clientUris)}; OpenSSL reads ${JSON.stringify(expectedUris)}`);
  if (report.handshakeErrors?.length) problems.push(`handshake errors: ${report.handshakeErrors.join(", ")}`);
  if (report.echoError) problems.push(`echo failed: ${report.echoError}`);
  return problems;
}

/** What OpenSSL, as the server, concluded about one mutls client. */
export function opensslServerProblems(sessions, report, message, { CLIENT_X509 }) {
  if (sessions.length !== 1) return [`the Node tls server completed ${sessions.length} mutual handshakes, expected 1`];
  const [s] = sessions;
  const problems = [];
  if (!s.authorized) problems.push(`OpenSSL did not authorize the client certificate (${s.authorizationError})`);
  if (s.protocol !== "TLSv1.3") problems.push(`protocol ${s.protocol}`);
  if (s.clientFingerprint256 !== CLIENT_X509.fingerprint256) problems.push("OpenSSL saw a different client certificate");
  if (s.received !== message) problems.push(`OpenSSL received ${JSON.stringify(s.received)}`);
  if (s.cipher !== report.cipherSuite) problems.push(`OpenSSL negotiated ${s.cipher}, mutls reports ${report.cipherSuite}`);
  if (!s.endedByPeer) problems.push("OpenSSL never saw the client's close");
  return problems;
}

/** What OpenSSL, as the client, concluded about one mutls server. */
export function opensslClientProblems(c, message, { SERVER_X509 }) {
  const problems = [];
  if (!c.secure) problems.push("OpenSSL never completed the handshake");
  else if (!c.authorized) problems.push(`OpenSSL did not authorize the mutls server (${c.authorizationError})`);
  if (c.secure && c.protocol !== "TLSv1.3") problems.push(`protocol ${c.protocol}`);
  if (c.secure && c.serverFingerprint256 !== SERVER_X509.fingerprint256) problems.push("OpenSSL saw a different server certificate");
  if (c.received !== message) problems.push(`OpenSSL got back ${JSON.stringify(c.received)}, sent ${JSON.stringify(message)}`);
  if (!c.endedByPeer) problems.push("the mutls server never ended the connection cleanly");
  if (c.errors.length) problems.push(`OpenSSL reported: ${c.errors.join(", ")}`);
  return problems;
}

export function fail(problems, role) {
  if (problems.length) throw new Error(`${role}: ${problems.join("; ")}`);
}

/** The WebCrypto algorithm a negotiated group or signature scheme runs on (src/crypto/webcrypto/detect.ts's names). */
const GROUP_ALGORITHM = { x25519: "X25519", X25519MLKEM768: "X25519", secp256r1: "ECDH P-256", secp384r1: "ECDH P-384" };
const SCHEME_ALGORITHM = {
  ecdsa_secp256r1_sha256: "ECDSA P-256",
  ecdsa_secp384r1_sha384: "ECDSA P-384",
  ed25519: "Ed25519",
  rsa_pss_rsae_sha256: "RSA-PSS",
  rsa_pss_rsae_sha384: "RSA-PSS",
  rsa_pss_rsae_sha512: "RSA-PSS",
  rsa_pss_pss_sha256: "RSA-PSS",
  rsa_pss_pss_sha384: "RSA-PSS",
  rsa_pss_pss_sha512: "RSA-PSS",
};
/** The WebCrypto algorithm name a subtle call carries for each detected algorithm. */
const SUBTLE_NAME = { X25519: "X25519", "ECDH P-256": "ECDH", "ECDH P-384": "ECDH", "ECDSA P-256": "ECDSA", "ECDSA P-384": "ECDSA", Ed25519: "Ed25519", "RSA-PSS": "RSA-PSS" };
/** Every WebCrypto implementation has these (W3C Web Cryptography API); their absence means detection failed. */
const UNIVERSAL = ["AES-GCM", "ECDH P-256", "ECDSA P-256"];

const nameOf = (reported) => (typeof reported === "string" ? reported : (reported?.name ?? null));

/**
 * One role's report on a pinned WebCrypto provider (entries/provider.mjs): the provider must be
 * WebCrypto, its detection must have found what every WebCrypto has, and the handshake must have
 * called crypto.subtle for the key exchange and the peer's signature whenever detection says the
 * runtime does that algorithm natively (a detected algorithm the handshake then ran in JavaScript
 * would be a provider that claims native speed without using it).
 */
export function webCryptoProblems(report) {
  const p = report.provider;
  if (!p || p.pinned !== "webcrypto") return ["the entry did not pin the WebCrypto provider"];
  const problems = [];
  if (p.name !== "webcrypto") problems.push(`the provider is ${JSON.stringify(p.name)}, not webcrypto`);
  if (p.reported !== null && nameOf(p.reported) !== "webcrypto") problems.push(`the handshake result names provider ${JSON.stringify(p.reported)}`);
  const missing = UNIVERSAL.filter((a) => !p.native.includes(a));
  if (missing.length) problems.push(`detection found no ${missing.join(", ")} in crypto.subtle`);
  const called = (method, algorithm) => Object.keys(p.handshakeCalls ?? {}).some((k) => k === `${method} ${SUBTLE_NAME[algorithm]}`);
  const group = GROUP_ALGORITHM[report.group];
  if (group && p.native.includes(group) && !called("deriveBits", group)) problems.push(`${group} is native here but the handshake derived no ${report.group} secret through crypto.subtle`);
  const scheme = SCHEME_ALGORITHM[report.peerSignatureScheme];
  if (scheme && p.native.includes(scheme) && !called("verify", scheme)) problems.push(`${scheme} is native here but the handshake verified the peer's ${report.peerSignatureScheme} signature without crypto.subtle`);
  // Records: the asynchronous record pipeline came with the handshake result's `provider` field
  // (issue 13); from then on an AES-GCM connection must seal and open through crypto.subtle.
  const records = Object.keys(recordCalls(p));
  if (p.reported !== null && /^TLS_AES_\d+_GCM_/.test(report.cipherSuite ?? "") && p.native.includes("AES-GCM") && !records.some((k) => k === "encrypt AES-GCM" || k === "decrypt AES-GCM")) {
    problems.push(`AES-GCM is native here but the ${report.cipherSuite} records were sealed and opened without crypto.subtle`);
  }
  return problems;
}

/** The subtle calls that do the work (key derivation, signatures, AEAD), not key import and export. */
const WORK = ["deriveBits", "sign", "verify", "encrypt", "decrypt"];

/** "deriveBits X25519, verify ECDSA ×2" from a count of subtle calls, the work calls only. */
function callList(calls) {
  const entries = Object.entries(calls ?? {})
    .filter(([k]) => WORK.includes(k.split(" ")[0]))
    .sort(([a], [b]) => WORK.indexOf(a.split(" ")[0]) - WORK.indexOf(b.split(" ")[0]) || a.localeCompare(b));
  return entries.length ? entries.map(([k, n]) => (n > 1 ? `${k} ×${n}` : k)).join(", ") : "none";
}

/** The calls made after the handshake: the records (and close_notify) of the connection. */
function recordCalls(p) {
  const after = {};
  for (const [k, n] of Object.entries(p.connectionCalls ?? {})) {
    const more = n - (p.handshakeCalls?.[k] ?? 0);
    if (more > 0) after[k] = more;
  }
  return after;
}

/**
 * The provider, for a PASS line: which algorithms are native, and the crypto.subtle work each
 * role's handshake, then its records, did (one list when every role did the same).
 */
export function describeProvider(reports) {
  const p = reports.find((r) => r.provider)?.provider;
  if (!p || p.pinned === null) {
    const named = nameOf(p?.name);
    return named ? `provider ${named}` : "the entry's default provider";
  }
  const native = p.fallback.length === 0 ? `all ${p.native.length} probed algorithms native` : `native: ${p.native.join(", ") || "nothing"}; pure fallback: ${p.fallback.join(", ")}`;
  const per = (what, pick) => {
    const lists = reports.map((r) => callList(pick(r.provider)));
    if (lists.every((l) => l === lists[0])) return `${what} ${lists[0]}${reports.length > 1 ? " (each role)" : ""}`;
    return reports.map((r, i) => `${r.role} ${what} ${lists[i]}`).join(", ");
  };
  return `provider webcrypto (${native}; crypto.subtle work: ${per("handshake", (x) => x.handshakeCalls)}; ${per("records", recordCalls)})`;
}
