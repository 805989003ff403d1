// Bundle-size entry: what an application that only accepts connections pulls in.
export { ServerConnection } from "../../src/index.js";
