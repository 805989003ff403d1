/**
 * Node (also run under `node --jitless`, standing in for interpreter-only engines): the built
 * package over real TCP with "mutls/node".
 *   node node.mjs client CONFIG   connectTcp() to the runner's Node tls server, echo, close
 *   node node.mjs server CONFIG   createMtlsServer() requiring a client certificate; prints
 *                                 `LISTENING <port>`, serves one echo connection, then stops
 * With `"provider": "webcrypto"` in CONFIG both roles run on webCryptoProvider() over Node's own
 * crypto.subtle (provider.mjs); otherwise on mutls/node's default.
 * Prints one `RESULT {json}` line.
 */
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { pinnedProvider } from "./provider.mjs";

const [role, cfgPath] = process.argv.slice(2);
const cfg = JSON.parse(readFileSync(cfgPath, "utf8"));
const { connectTcp, createMtlsServer } = await import(pathToFileURL(cfg.distDir + "/node/index.js").href);
const pinned = await pinnedProvider(await import(pathToFileURL(cfg.distDir + "/index.js").href), cfg);
const withProvider = pinned.config ? { config: pinned.config } : {};
const toHex = (bytes) => (bytes ? Buffer.from(bytes).toString("hex") : null);
const MAX_READS = 1000;

async function clientRole() {
  const secure = await connectTcp({
    host: "127.0.0.1",
    port: cfg.port,
    servername: cfg.servername,
    ca: cfg.ca,
    cert: cfg.cert,
    key: cfg.key,
    ...withProvider,
  });
  const handshakeCalls = pinned.snapshot();
  const message = Buffer.from(cfg.message, "latin1");
  await secure.write(message);
  const echoed = [];
  for (let i = 0; i < MAX_READS && Buffer.concat(echoed).length < message.length; i++) {
    const data = await secure.read();
    if (data === null) break;
    echoed.push(Buffer.from(data));
  }
  // RFC 8446 §6.1: our close_notify, then the server's ends the reading side.
  await secure.closeWrite();
  const end = await secure.read();
  await secure.close();
  return {
    api: "mutls/node connectTcp",
    cipherSuite: secure.handshake.cipherSuite,
    group: secure.handshake.group,
    peerSignatureScheme: secure.handshake.peerSignatureScheme,
    serverDnsNames: secure.peer?.dnsNames ?? [],
    serverLeafHex: toHex(secure.handshake.peerCertificates[0]),
    echoed: Buffer.concat(echoed).toString("latin1"),
    sawCleanEnd: end === null,
    provider: pinned.describe(secure, handshakeCalls),
  };
}

function serverRole() {
  return new Promise((resolve, reject) => {
    const handshakeErrors = [];
    const server = createMtlsServer(
      {
        ca: cfg.ca,
        cert: cfg.serverCert,
        key: cfg.serverKey,
        requestCert: true,
        rejectUnauthorized: true,
        onHandshakeError: (error) => handshakeErrors.push(error.message),
        ...withProvider,
      },
      async (secure) => {
        const handshakeCalls = pinned.snapshot();
        const seen = {
          api: "mutls/node createMtlsServer",
          clientUris: secure.peer?.uris ?? [],
          cipherSuite: secure.handshake.cipherSuite,
          group: secure.handshake.group,
          peerSignatureScheme: secure.handshake.peerSignatureScheme,
          clientLeafHex: toHex(secure.handshake.peerCertificates[0]),
          handshakeErrors,
        };
        try {
          // Echo until the client's close_notify ends the readable; pipeTo then sends ours.
          await secure.readable.pipeTo(secure.writable);
          await secure.close();
        } catch (error) {
          seen.echoError = String(error.message);
        }
        seen.provider = pinned.describe(secure, handshakeCalls);
        await server.close();
        resolve(seen);
      },
    );
    server.listen(0, "127.0.0.1").then(({ port }) => console.log(`LISTENING ${port}`), reject);
  });
}

const result = role === "server" ? await serverRole() : await clientRole();
console.log("RESULT " + JSON.stringify(result));
