/**
 * The crypto provider a runtime check pins (`cfg.provider`), and what the report says about it.
 *
 * - "webcrypto": the built package's `webCryptoProvider()` on this runtime's own `crypto.subtle`,
 *   handed a forwarding wrapper that counts each call by method and algorithm. The report lists the
 *   algorithms the provider's detection found native here (the rest run on the pure fallback), and
 *   which subtle calls the handshake, then the whole connection, really made: a provider that
 *   detected an algorithm but never called it would show here, and the runner refuses that.
 * - anything else: no provider in the config, so the entry's default applies; the report names
 *   the provider only if the handshake result does.
 */

/** The algorithms webCryptoProvider() probes for (src/crypto/webcrypto/detect.ts). */
export const WEBCRYPTO_ALGORITHMS = ["AES-GCM", "ECDH P-256", "ECDH P-384", "X25519", "ECDSA P-256", "ECDSA P-384", "Ed25519", "RSA-PSS", "RSASSA-PKCS1-v1_5"];

const SUBTLE_METHODS = ["importKey", "exportKey", "generateKey", "deriveBits", "deriveKey", "sign", "verify", "encrypt", "decrypt", "digest"];

/** The algorithm a subtle call names: its parameters, or for exportKey the key's own. */
function algorithmOf(method, args) {
  const params = method === "importKey" ? args[2] : method === "exportKey" ? args[1]?.algorithm : args[0];
  const name = typeof params === "string" ? params : params?.name;
  return typeof name === "string" ? name : "?";
}

/**
 * `{ config, snapshot, describe }`: `config` to spread into the connect/accept options' `config`
 * (undefined for the default provider); `snapshot()` the subtle calls so far; `describe(secure,
 * handshakeCalls)` the report's `provider` member.
 */
export async function pinnedProvider(mutls, cfg) {
  if (cfg.provider !== "webcrypto") {
    return {
      config: undefined,
      snapshot: () => null,
      describe: (secure) => ({ pinned: null, name: secure?.handshake?.provider ?? null }),
    };
  }
  if (typeof mutls.webCryptoProvider !== "function") throw new Error("the built package exports no webCryptoProvider()");
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new Error("this runtime has no crypto.subtle");
  const calls = {};
  let counting = false;
  const counted = {};
  for (const method of SUBTLE_METHODS) {
    if (typeof subtle[method] !== "function") continue;
    counted[method] = (...args) => {
      if (counting) {
        const key = `${method} ${algorithmOf(method, args)}`;
        calls[key] = (calls[key] ?? 0) + 1;
      }
      return subtle[method](...args);
    };
  }
  const provider = await mutls.webCryptoProvider({ subtle: counted });
  // Detection's probes are done; count from here on.
  counting = true;
  const native = [...provider.webCryptoAlgorithms];
  return {
    config: { provider },
    snapshot: () => ({ ...calls }),
    describe: (secure, handshakeCalls) => ({
      pinned: "webcrypto",
      name: provider.name,
      reported: secure?.handshake?.provider ?? null,
      native: WEBCRYPTO_ALGORITHMS.filter((a) => native.includes(a)),
      fallback: WEBCRYPTO_ALGORITHMS.filter((a) => !native.includes(a)),
      handshakeCalls,
      connectionCalls: { ...calls },
    }),
  };
}
