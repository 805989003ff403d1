// Bundle-size entry: the whole public surface of `mutls/ca` (the development CA).
export * from "../../src/ca.js";
