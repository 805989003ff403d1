// Bun calling an HTTPS API that requires a client certificate, with mtlsFetch. Bun runs
// mutls/node's netTransport on its node:net sockets, as Node does.
//   bun docs/recipes/bun-client.mjs URL SERVERNAME CERT KEY CA
import * as net from "node:net";
import { mtlsFetch } from "mutls/fetch";
import { netTransport } from "mutls/node";

const [url, servername, certFile, keyFile, caFile] = Bun.argv.slice(2);
const response = await mtlsFetch(url, {
  cert: await Bun.file(certFile).text(),
  key: await Bun.file(keyFile).text(),
  ca: await Bun.file(caFile).text(),
  servername, // the name the server's certificate must carry (mutls always checks it)
  // allowHalfOpen: our close_notify's FIN must not end the socket before the server's arrives.
  transport: ({ hostname, port }) => netTransport(net.connect({ host: hostname, port, allowHalfOpen: true })),
});
console.log(response.status, await response.text());
