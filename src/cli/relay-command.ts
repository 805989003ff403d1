/**
 * `mutls relay --listen HOST:PORT --to HOST:PORT`: a WebSocket-to-TCP relay for browsers and
 * sandboxes that have no raw sockets. Each binary WebSocket message is written to a TCP socket
 * to one of the --to targets, and the socket's bytes come back as binary messages. TLS runs end
 * to end between the page's mutls and the TCP service, so the relay only ever holds ciphertext.
 *
 * The WebSocket side is the `ws` package (RFC 6455 framing, masking, close handshake, payload
 * limit); this file adds the allow-list, the bounds and the logging.
 */
import * as net from "node:net";
import { type IncomingMessage, createServer } from "node:http";
import { WebSocketServer, type WebSocket } from "ws";
import { type CommandSpec, type ParsedArgs, UsageError, parseFlags, parseHostPort } from "./args.js";
import type { CommandIo } from "./client-command.js";

export const RELAY_SPEC: CommandSpec = {
  name: "relay",
  summary:
    "Relays WebSocket connections to TCP services, for a mutls client in a browser or a sandbox without raw sockets: each binary message goes to the TCP target and the target's bytes come back as binary messages. TLS runs end to end through it (the relay sees ciphertext only). The client names its target as the URL path (ws://RELAY/HOST:PORT) or ?to=HOST:PORT; it must be one of the --to targets, and with a single --to the path may be /. One line per connection on stderr. Runs until Ctrl-C or SIGTERM.",
  flags: [
    { name: "listen", value: "HOST:PORT", help: "the address to accept WebSocket connections on (required; port 0 picks a free port, printed at start)" },
    {
      name: "to",
      value: "HOST:PORT",
      repeat: true,
      help: "a TCP target clients may reach (required; the allow-list: any other target is refused with HTTP 403)",
    },
    {
      name: "origin",
      value: "ORIGIN",
      repeat: true,
      help: "accept WebSockets only from pages of this origin, such as https://app.example (default: any origin)",
    },
    { name: "max-connections", value: "N", help: `relayed connections open at once, 1 to 65536; more are refused with HTTP 503 (default ${64})` },
    {
      name: "max-buffer",
      value: "BYTES",
      help: `bytes held per direction before the relay stops reading the sending side; also the largest message accepted (default ${1 << 20})`,
    },
    { name: "json", help: "print one JSON object per connection on stdout when it ends (target, bytes each way, who closed) or is refused" },
  ],
};

const DEFAULT_MAX_CONNECTIONS = 64;
const DEFAULT_MAX_BUFFER = 1 << 20;
/** A TLS record is at most 2^14 + 256 + 5 bytes (RFC 8446 §5.2); a buffer must hold a few. */
const MIN_BUFFER = 1 << 16;

/** RFC 6455 §7.4.1 close codes the relay sends. */
const CLOSE_NORMAL = 1000;
const CLOSE_GOING_AWAY = 1001;
const CLOSE_UNSUPPORTED_DATA = 1003;
const CLOSE_INTERNAL_ERROR = 1011;
/** How long a stopping relay waits for clients to answer its close frame. */
const CLOSE_WAIT_MS = 2000;

interface Target {
  readonly host: string;
  readonly port: number;
  /** As given on the command line and as clients name it. */
  readonly name: string;
}

interface RelayOptions {
  readonly targets: readonly Target[];
  readonly origins: readonly string[] | null;
  readonly maxConnections: number;
  readonly maxBuffer: number;
  readonly json: boolean;
}

function integerOption(args: ParsedArgs, name: string, min: number, max: number, fallback: number): number {
  const text = args.values.get(name);
  if (text === undefined) return fallback;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(text)}`);
  return n;
}

function relayOptions(args: ParsedArgs): RelayOptions {
  const to = args.lists.get("to") ?? [];
  if (to.length === 0) throw new UsageError("--to HOST:PORT is required: the TCP targets clients may reach (mutls relay --help)");
  const targets = to.map((name) => ({ ...parseHostPort(name, "--to"), name }));
  const origins = args.lists.get("origin") ?? null;
  for (const origin of origins ?? []) {
    if (!/^[a-z][a-z0-9+.-]*:\/\/[^/]+$/i.test(origin))
      throw new UsageError(`--origin must be SCHEME://HOST[:PORT] as browsers send it, not ${JSON.stringify(origin)}`);
  }
  return {
    targets,
    origins,
    maxConnections: integerOption(args, "max-connections", 1, 65536, DEFAULT_MAX_CONNECTIONS),
    maxBuffer: integerOption(args, "max-buffer", MIN_BUFFER, 1 << 30, DEFAULT_MAX_BUFFER),
    json: args.switches.has("json"),
  };
}

/** The target a client asked for: `/HOST:PORT`, `?to=HOST:PORT`, or the only one for `/`. */
function chooseTarget(url: string | undefined, targets: readonly Target[]): { target: Target } | { refusal: string } {
  const parsed = new URL(url ?? "/", "ws://relay");
  const asked = parsed.searchParams.get("to") ?? decodeURIComponent(parsed.pathname.slice(1));
  if (asked === "")
    return targets.length === 1 ? { target: targets[0] } : { refusal: "no target named (use /HOST:PORT or ?to=HOST:PORT; there are several --to)" };
  const target = targets.find((t) => t.name === asked);
  return target ? { target } : { refusal: `target ${JSON.stringify(asked)} is not in --to` };
}

const remoteOf = (request: IncomingMessage): string => `${request.socket.remoteAddress}:${request.socket.remotePort}`;

function tcpProblem(e: unknown, target: Target): string {
  const code = (e as { code?: string } | null)?.code;
  if (code === "ECONNREFUSED") return `connection refused: nothing listens on ${target.name}`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `cannot resolve ${target.host}`;
  if (code === "ECONNRESET") return `${target.name} reset the connection`;
  return e instanceof Error ? e.message : String(e);
}

/** Copies one WebSocket to one TCP socket and back until either side ends, holding at most maxBuffer each way. */
function relayConnection(ws: WebSocket, target: Target, remote: string, options: RelayOptions, io: CommandIo, done: () => void): void {
  const tcp = net.connect({ host: target.host, port: target.port });
  tcp.setNoDelay(true);
  let toTarget = 0;
  let toClient = 0;
  let ended = false;
  const end = (closedBy: string, problem?: string): void => {
    if (ended) return;
    ended = true;
    done();
    io.stderr(
      `mutls relay: ${remote} -> ${target.name} closed by ${closedBy}${problem ? `: ${problem}` : ""}; ${toTarget} bytes to the target, ${toClient} bytes to the client`,
    );
    if (options.json)
      io.stdout.write(
        JSON.stringify({ ok: problem === undefined, remote, target: target.name, toTarget, toClient, closedBy, ...(problem ? { error: problem } : {}) }) + "\n",
      );
  };

  // Client -> target: a TCP socket that cannot take more pauses the WebSocket's reads.
  ws.on("message", (data, isBinary) => {
    if (!isBinary) {
      ws.close(CLOSE_UNSUPPORTED_DATA, "binary messages only");
      tcp.destroy();
      return end("the relay", "the client sent a text message; the relay carries binary TLS bytes only");
    }
    const chunk = data as Buffer;
    toTarget += chunk.length;
    if (!tcp.write(chunk) || tcp.writableLength > options.maxBuffer) {
      ws.pause();
      tcp.once("drain", () => ws.resume());
    }
  });
  // Target -> client: a WebSocket with maxBuffer unsent bytes pauses the TCP reads.
  tcp.on("data", (chunk) => {
    toClient += chunk.length;
    if (ws.bufferedAmount + chunk.length <= options.maxBuffer) return ws.send(chunk, { binary: true });
    // Frames go out in order, so when this one has reached the kernel, all before it have too.
    tcp.pause();
    ws.send(chunk, { binary: true }, () => {
      if (!ended) tcp.resume();
    });
  });
  // A WebSocket has no half-close: the end of either side ends both.
  tcp.on("end", () => {
    ws.close(CLOSE_NORMAL, "the target closed");
    end("the target");
  });
  tcp.on("error", (e) => {
    ws.close(CLOSE_INTERNAL_ERROR, "the target failed");
    end("the target", tcpProblem(e, target));
  });
  ws.on("close", () => {
    tcp.end();
    end("the client");
  });
  ws.on("error", (e) => {
    tcp.destroy();
    end("the client", e.message);
  });
}

/** Binds, turning the address problems a user can fix into one line naming --listen. */
async function listenOn(wss: WebSocketServer, listen: string, host: string, port: number): Promise<net.AddressInfo> {
  const server = wss.options.server;
  if (server === undefined) throw new Error("relay server missing");
  return new Promise((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EADDRINUSE") reject(new UsageError(`--listen ${listen}: the address is already in use (another process listens there)`));
      else if (e.code === "EACCES") reject(new UsageError(`--listen ${listen}: permission denied (ports below 1024 need privileges)`));
      else if (e.code === "EADDRNOTAVAIL") reject(new UsageError(`--listen ${listen}: no interface of this machine has that address`));
      else if (e.code === "ENOTFOUND" || e.code === "EAI_AGAIN") reject(new UsageError(`--listen ${listen}: cannot resolve host ${host}`));
      else reject(e);
    });
    server.listen(port, host, () => resolve(server.address() as net.AddressInfo));
  });
}

export async function relayCommand(argv: readonly string[], io: CommandIo, stop: Promise<void>): Promise<number> {
  const args = parseFlags(argv, RELAY_SPEC);
  if (args.positional.length > 0) throw new UsageError(`unexpected argument ${args.positional[0]} (mutls relay --help)`);
  const listen = args.values.get("listen");
  if (listen === undefined) throw new UsageError("--listen HOST:PORT is required (mutls relay --help)");
  const { host, port } = parseHostPort(listen, "--listen");
  const options = relayOptions(args);

  const http = createServer((_request, response) =>
    response.writeHead(426, { "content-type": "text/plain", upgrade: "websocket" }).end("mutls relay: connect with a WebSocket\n"),
  );
  let open = 0;
  const wss = new WebSocketServer({
    server: http,
    maxPayload: options.maxBuffer,
    perMessageDeflate: false,
    // Refusals are HTTP answers to the upgrade request, before any TCP connection is made.
    verifyClient: ({ req, origin }, accept) => {
      const refuse = (status: number, why: string): void => {
        io.stderr(`mutls relay: ${remoteOf(req)} refused: ${why}`);
        if (options.json) io.stdout.write(JSON.stringify({ ok: false, remote: remoteOf(req), status, error: why }) + "\n");
        accept(false, status, why);
      };
      if (options.origins !== null && !options.origins.includes(origin)) return refuse(403, `origin ${JSON.stringify(origin ?? "")} is not in --origin`);
      const chosen = chooseTarget(req.url, options.targets);
      if ("refusal" in chosen) return refuse(403, chosen.refusal);
      if (open >= options.maxConnections) return refuse(503, `--max-connections ${options.maxConnections} reached`);
      accept(true);
    },
  });
  wss.on("connection", (ws, request) => {
    const chosen = chooseTarget(request.url, options.targets);
    if ("refusal" in chosen) return ws.close(CLOSE_INTERNAL_ERROR);
    open++;
    const remote = remoteOf(request);
    io.stderr(`mutls relay: ${remote} -> ${chosen.target.name} opened`);
    relayConnection(ws, chosen.target, remote, options, io, () => open--);
  });
  wss.on("error", () => undefined);

  const bound = await listenOn(wss, listen, host, port);
  const address = bound.family === "IPv6" ? `[${bound.address}]:${bound.port}` : `${bound.address}:${bound.port}`;
  io.stderr(`mutls relay: listening on ws://${address}/, relaying to ${options.targets.map((t) => t.name).join(", ")}`);
  await stop;
  // Stop cleanly: no new connections, a close frame to every client (1001, RFC 6455 §7.4.1), then the listener.
  const closing = [...wss.clients].map((ws) => new Promise((resolve) => ws.once("close", resolve)));
  for (const ws of wss.clients) ws.close(CLOSE_GOING_AWAY, "the relay is stopping");
  // A client that does not answer the close frame is cut after a bounded wait.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(closing), new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
  clearTimeout(timer);
  for (const ws of wss.clients) ws.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
  io.stderr("mutls relay: stopped");
  return 0;
}
