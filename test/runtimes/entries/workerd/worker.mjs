/**
 * Cloudflare workerd: a Worker whose fetch handler opens a TCP socket with connect() from
 * cloudflare:sockets (a Web Streams pair) and runs the mutual handshake and echo over it.
 * The runner bundles this file with the built package and embeds config.json beside it.
 */
import { connect } from "cloudflare:sockets";
import * as mutls from "../../../../dist/index.js";
import { mutualEcho } from "../echo.mjs";
import cfg from "./config.json";

export default {
  async fetch() {
    try {
      const socket = connect({ hostname: "127.0.0.1", port: cfg.port });
      const result = await mutualEcho(mutls, { streams: { readable: socket.readable, writable: socket.writable } }, cfg);
      await socket.close().catch(() => {});
      return Response.json(result);
    } catch (error) {
      return Response.json({ error: String(error?.stack ?? error) }, { status: 500 });
    }
  },
};
