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
