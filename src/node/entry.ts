/**
 * `mutls` as Node resolves it (package.json's "node" export condition): the same surface as
 * index.ts, with the native provider (node:crypto) as the default where a config names no
 * provider (native-default.ts). Other runtimes and browser bundles resolve index.ts, whose
 * default is the WebCrypto or the pure provider. Names exported here take precedence over
 * index.ts's of the same name (ECMAScript: a local export shadows `export *`).
 */
export * from "../index.js";
export { ClientConnection, ServerConnection, connect, accept } from "./native-default.js";
