import { defineConfig } from "vitest/config";

// `npm run test:interop`: mutls against real TLS stacks (OpenSSL's s_client/s_server, GnuTLS's
// gnutls-cli/gnutls-serv, Go's crypto/tls, rustls, Java's JSSE, NSS's tstclnt/selfserv, Erlang/OTP's
// ssl, wolfSSL, BoringSSL, Node's tls, curl), driving the built CLI, and the testssl.sh and sslscan
// scan of our server with hostile and legacy hellos (test/peers/testssl.test.ts). One file at a time:
// each test runs external processes, and the machine's cores are shared.
export default defineConfig({
  test: {
    include: ["test/peers/**/*.test.ts", "test/cli/**/*.test.ts"],
    globalSetup: ["test/peers/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 40_000,
    hookTimeout: 30_000,
  },
});
