/**
 * The mtlsFetch check in a Web-API runtime (Deno, workerd), using the built package's public API:
 * one GET with a client certificate to the runner's Node `https` server, which requires one and
 * answers with what OpenSSL concluded about it (authorized, subject, subjectAltName, fingerprint).
 * The body is held against the client fixture as node:crypto parsed it, so a PASS proves that the
 * server authenticated this client, not only that a response arrived.
 */

/**
 * @param mutlsFetch the built package's `mutls/fetch` namespace (dist/fetch.js)
 * @param transport the `transport` factory for mtlsFetch: ({ hostname, port }) => Transport
 * @param cfg { url, ca, cert, key, servername, expect: { path, subjectaltname, fingerprint256 } }
 */
export async function fetchIdentity(mutlsFetch, transport, cfg) {
  if (typeof mutlsFetch.mtlsFetch !== "function") throw new Error("the built package's mutls/fetch exports no mtlsFetch()");
  const response = await mutlsFetch.mtlsFetch(cfg.url, {
    transport,
    ca: cfg.ca,
    cert: cfg.cert,
    key: cfg.key,
    servername: cfg.servername,
    headers: { accept: "application/json" },
  });
  const text = await response.text();
  const problems = [];
  if (response.status !== 200) problems.push(`status ${response.status}, not 200`);
  let seen = null;
  try {
    seen = JSON.parse(text);
  } catch {
    problems.push(`the body is not the server's JSON: ${text.slice(0, 200)}`);
  }
  if (seen) {
    if (seen.authorized !== true) problems.push("the server did not authorize the client certificate");
    if (seen.path !== cfg.expect.path) problems.push(`the server saw path ${seen.path}, not ${cfg.expect.path}`);
    if (seen.subjectaltname !== cfg.expect.subjectaltname)
      problems.push(`the server saw subjectAltName ${seen.subjectaltname}, not ${cfg.expect.subjectaltname}`);
    if (seen.fingerprint256 !== cfg.expect.fingerprint256) problems.push(`the server saw certificate ${seen.fingerprint256}, not ${cfg.expect.fingerprint256}`);
  }
  return {
    api: "mtlsFetch(webStreamsTransport)",
    status: response.status,
    contentType: response.headers.get("content-type"),
    seen,
    problems,
  };
}
