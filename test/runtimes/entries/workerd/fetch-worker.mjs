/**
 * Cloudflare workerd: a Worker whose fetch handler calls mtlsFetch from the built package, with a
 * transport factory that opens each TCP socket with connect() from cloudflare:sockets (a Web
 * Streams pair). fetch-identity.mjs does the GET and its checks. The runner bundles this file with
 * the built package and embeds config.json beside it.
 */
import { connect } from "cloudflare:sockets";
import * as mutls from "../../../../dist/index.js";
import * as mutlsFetch from "../../../../dist/fetch.js";
import { fetchIdentity } from "../fetch-identity.mjs";
import cfg from "./config.json";

export default {
  async fetch() {
    const sockets = [];
    const transport = ({ hostname, port }) => {
      const socket = connect({ hostname, port });
      sockets.push(socket);
      return mutls.webStreamsTransport({ readable: socket.readable, writable: socket.writable });
    };
    try {
      return Response.json(await fetchIdentity(mutlsFetch, transport, cfg));
    } catch (error) {
      return Response.json({ error: String(error?.stack ?? error) }, { status: 500 });
    } finally {
      for (const socket of sockets) await socket.close().catch(() => {});
    }
  },
};
