/** The crypto layer's public surface: the provider interface, the pure provider, and test pinning. */
export * from "./provider.js";
export { pureProvider, keyShareFromPrivateKey, createPinnedProvider, type ProviderPins } from "./pure.js";
