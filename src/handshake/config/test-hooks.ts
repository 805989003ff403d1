import type { Extension } from "../codec/extensions.js";

/**
 * Hooks for replaying published traces (RFC 8448) byte for byte: they let a test add the
 * extensions the trace's peers sent. Not part of the stable API; never needed in production.
 */
export interface TestHooks {
  /** Rewrites the extension list of an outgoing ClientHello, EncryptedExtensions or CertificateRequest. */
  readonly extensions?: (message: "client_hello" | "encrypted_extensions" | "certificate_request", extensions: Extension[], retry: boolean) => Extension[];
  /** The cookie a server puts in its HelloRetryRequest (default: none, see sendHelloRetryRequest). */
  readonly helloRetryCookie?: () => Uint8Array;
  /** Pins the `index`-th NewSessionTicket's age_add, nonce and (opaque) ticket, as a published trace has them. */
  readonly newSessionTicket?: (index: number) => { readonly ticketAgeAdd: number; readonly nonce: Uint8Array; readonly ticket: Uint8Array };
}

/**
 * Test hooks travel beside a config under a symbol, not as a config field: they are not part of
 * the public types, and a program cannot set them by accident.
 */
const TEST_HOOKS: unique symbol = Symbol("mutls.testHooks");

/** A copy of `config` carrying test hooks (for RFC 8448 replays and negative tests only). */
export function withTestHooks<T extends object>(config: T, hooks: TestHooks): T {
  return { ...config, [TEST_HOOKS]: hooks };
}

/** The test hooks a config carries (none in production). */
export function testHooksOf(config: object): TestHooks {
  return (config as { [TEST_HOOKS]?: TestHooks })[TEST_HOOKS] ?? {};
}
