// A Cloudflare Worker calling an API that requires a client certificate: mtlsFetch over
// connect() from cloudflare:sockets. The certificate and key come from the Worker's secrets
// (wrangler secret put CLIENT_CERT / CLIENT_KEY), the API's CA and URL from its vars.
import { connect } from "cloudflare:sockets";
import { webStreamsTransport } from "mutls";
import { mtlsFetch } from "mutls/fetch";

export default {
  async fetch(request, env) {
    const sockets = [];
    try {
      const upstream = await mtlsFetch(env.API_URL, {
        cert: env.CLIENT_CERT,
        key: env.CLIENT_KEY,
        ca: env.API_CA,
        servername: env.API_SERVERNAME,
        transport: ({ hostname, port }) => {
          const socket = connect({ hostname, port });
          sockets.push(socket);
          return webStreamsTransport({ readable: socket.readable, writable: socket.writable });
        },
      });
      return new Response(await upstream.text(), {
        status: upstream.status,
        headers: { "content-type": upstream.headers.get("content-type") ?? "text/plain" },
      });
    } finally {
      for (const socket of sockets) await socket.close().catch(() => {});
    }
  },
};
