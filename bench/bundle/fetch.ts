// Bundle-size entry: the whole public surface of `mutls/fetch` (mtlsFetch with the default provider, its pool and errors).
export * from "../../src/fetch.js";
