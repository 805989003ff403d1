// Bundle-size entry: what an application that only connects out pulls in.
export { ClientConnection } from "../../src/index.js";
