// Bundle-size entry: the whole public surface of the runtime-neutral package.
export * from "../../src/index.js";
