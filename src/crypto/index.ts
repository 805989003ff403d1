/** The crypto layer's public surface: the provider interface, the pure provider, and test pinning. */
export * from "./provider.js";
export { pureProvider, createPureProvider, type PureProviderOptions, keyShareFromPrivateKey, createPinnedProvider, type ProviderPins } from "./pure.js";
