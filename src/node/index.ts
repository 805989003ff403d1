/**
 * mutls/node: Node-only pieces (TCP transport, a TCP mTLS server). Everything runtime-neutral is
 * in the main entry, "mutls".
 */
export { netTransport } from "./net-transport.js";
export { connectTcp, createMtlsServer, type TcpConnectOptions, type MtlsServer, type MtlsServerOptions, type RemoteEndpoint } from "./tcp.js";
export { nativeProvider } from "./native-provider.js";
