/**
 * `mutls/fetch` as Node resolves it (package.json's "node" export condition): fetch.ts with the
 * native provider (node:crypto) as `mtlsFetch`'s default, as the Node `mutls` entry (entry.ts) has.
 */
export * from "../fetch.js";
export { mtlsFetch } from "./native-default.js";
