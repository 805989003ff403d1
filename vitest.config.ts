import { defineConfig } from "vitest/config";

// `npm test`: the fast, self-contained suites. Peers that need extra binaries (OpenSSL/GnuTLS CLIs,
// curl) and the tests of the built CLI (test/cli) run under vitest.interop.config.ts; runtimes under test/runtimes with their own package.json.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/peers/**", "test/cli/**", "test/runtimes/**", "node_modules/**", "dist/**"],
    testTimeout: 20_000,
  },
});
