/**
 * Key-share pre-generation in the WebCrypto provider (crypto/webcrypto/spare-key-shares.ts): a share
 * is handed out once only (RFC 8446 §4.2.8, ephemeral), the spare is refilled in the background,
 * the pool stays bounded (one more spare per group only when a taker had to wait, up to four), and
 * a failed background generation falls back to generating on demand.
 * The pool itself is driven with a fake generator whose Promises the test settles; the provider
 * with Node's `crypto.subtle`, counting its generateKey calls.
 */
import { x25519 } from "@noble/curves/ed25519.js";
import { describe, expect, it } from "vitest";
import { type AsyncKeyShare, isPromise } from "../../src/crypto/provider.js";
import { pureProvider } from "../../src/crypto/pure.js";
import { type SubtleLike, webCryptoProvider } from "../../src/crypto/webcrypto/index.js";
import type { WebCryptoKey } from "../../src/crypto/webcrypto/subtle.js";
import type { EcdheGroup } from "../../src/crypto/webcrypto/key-share.js";
import { SpareKeyShares } from "../../src/crypto/webcrypto/spare-key-shares.js";

/** A generator whose every call is a Promise the test resolves or rejects by hand. */
function manualGenerator() {
  const calls: { group: EcdheGroup; resolve: (share: AsyncKeyShare) => void; reject: (error: Error) => void }[] = [];
  let made = 0;
  const generate = (group: EcdheGroup): Promise<AsyncKeyShare> =>
    new Promise((resolve, reject) => {
      calls.push({ group, resolve, reject });
    });
  const share = (group: EcdheGroup): AsyncKeyShare => ({ group, publicKey: Uint8Array.of(++made), deriveSharedSecret: () => null });
  return { calls, generate, share };
}

/** Lets settled Promises run their handlers. */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe("SpareKeyShares", () => {
  it("generates on demand the first time, and refills in the background for the next taker", async () => {
    const g = manualGenerator();
    const pool = new SpareKeyShares(g.generate);
    const first = pool.take("x25519");
    expect(isPromise(first)).toBe(true);
    // One generation for this taker at once; the spare for the next once the taker's step returns.
    expect(g.calls.length).toBe(1);
    await Promise.resolve();
    expect(g.calls.length).toBe(2);
    const own = g.share("x25519");
    g.calls[0].resolve(own);
    const spare = g.share("x25519");
    g.calls[1].resolve(spare);
    expect(await first).toBe(own);
    await settle();
    // The spare is ready: handed out as a plain value, no Promise to wait on.
    const second = pool.take("x25519");
    expect(second).toBe(spare);
    await settle();
    expect(g.calls.length).toBe(3);
    expect(pool.size).toBe(1);
  });

  it("hands each share out once only, and keeps one spare per group while takers wait for none", async () => {
    const g = manualGenerator();
    const pool = new SpareKeyShares(g.generate);
    const taken: AsyncKeyShare[] = [];
    for (let i = 0; i < 20; i++) {
      const share = pool.take(i % 2 === 0 ? "x25519" : "secp256r1");
      // Every generation asked for so far completes at once.
      for (const call of g.calls.splice(0)) call.resolve(g.share(call.group));
      taken.push(await share);
      await settle();
      expect(pool.size).toBeLessThanOrEqual(2);
    }
    expect(new Set(taken).size).toBe(taken.length);
    expect(new Set(taken.map((s) => s.publicKey[0])).size).toBe(taken.length);
    expect(taken.every((s, i) => s.group === (i % 2 === 0 ? "x25519" : "secp256r1"))).toBe(true);
  });

  it("a taker that comes while the spare is still being made waits for that spare, not for a new one", async () => {
    const g = manualGenerator();
    const pool = new SpareKeyShares(g.generate);
    void pool.take("x25519"); // calls[0]: on demand, calls[1]: the spare
    await settle();
    g.calls[0].resolve(g.share("x25519"));
    const waiting = pool.take("x25519"); // the spare, still running
    expect(isPromise(waiting)).toBe(true);
    expect(g.calls.length).toBe(2);
    const spare = g.share("x25519");
    g.calls[1].resolve(spare);
    expect(await waiting).toBe(spare);
  });

  it("takers that outrun the spares have their group keep one more, up to four, and no more", async () => {
    const g = manualGenerator();
    const pool = new SpareKeyShares(g.generate);
    void pool.take("secp256r1");
    await settle();
    expect(pool.size).toBe(1);
    // Each take finds the oldest spare still running: one more is kept from then on.
    for (const expected of [2, 3, 4, 4, 4]) {
      void pool.take("secp256r1");
      await settle();
      expect(pool.size).toBe(expected);
    }
    // Nothing else grows: every generation asked for was a taker's or a kept spare's.
    expect(g.calls.length).toBe(1 + 1 + 5 + 3);
    // Once they are made, takers get them at once, and each take is replaced by one spare.
    for (const call of g.calls.splice(0)) call.resolve(g.share(call.group));
    await settle();
    const ready = pool.take("secp256r1");
    expect(isPromise(ready)).toBe(false);
    await settle();
    expect(g.calls.length).toBe(1);
    expect(pool.size).toBe(4);
  });

  it("a failed background generation is forgotten: the next taker generates on demand", async () => {
    const g = manualGenerator();
    const pool = new SpareKeyShares(g.generate);
    void pool.take("secp256r1");
    await settle();
    g.calls[0].resolve(g.share("secp256r1"));
    g.calls[1].reject(new Error("the runtime refused"));
    await settle();
    expect(pool.size).toBe(0);
    const next = pool.take("secp256r1");
    expect(isPromise(next)).toBe(true);
    await settle();
    // calls[2] is this taker's own generation, calls[3] the new spare.
    expect(g.calls.length).toBe(4);
    expect(pool.size).toBe(1);
    const own = g.share("secp256r1");
    g.calls[2].resolve(own);
    expect(await next).toBe(own);
  });

  it("a spare that fails while a taker waits for it is replaced by a generation on demand", async () => {
    const g = manualGenerator();
    const pool = new SpareKeyShares(g.generate);
    void pool.take("x25519");
    await settle();
    g.calls[0].resolve(g.share("x25519"));
    const waiting = pool.take("x25519");
    g.calls[1].reject(new Error("the runtime refused"));
    await settle();
    // The fallback generation (calls[4]; calls[2] and calls[3] are the next spares, two now that
    // a taker had to wait) serves the waiting taker.
    expect(g.calls.length).toBe(5);
    const own = g.share("x25519");
    g.calls[4].resolve(own);
    expect(await waiting).toBe(own);
  });
});

/** Node's crypto.subtle, counting generateKey calls; `idle()` waits until no call it passed on is still running. */
function countingSubtle(): { subtle: SubtleLike; generated: () => number; idle: () => Promise<void> } {
  const real = globalThis.crypto.subtle as unknown as SubtleLike;
  let generated = 0;
  const running = new Set<Promise<unknown>>();
  const track = <T>(call: Promise<T>): Promise<T> => {
    running.add(call);
    const done = () => running.delete(call);
    call.then(done, done);
    return call;
  };
  const subtle: SubtleLike = {
    importKey: ((...args: Parameters<SubtleLike["importKey"]>) =>
      track(real.importKey(...(args as [never, never, never, never, never])))) as SubtleLike["importKey"],
    generateKey: (algorithm, extractable, usages) => {
      generated++;
      return track(real.generateKey(algorithm, extractable, usages));
    },
    exportKey: ((format: "raw", key: WebCryptoKey) => track(real.exportKey(format, key))) as SubtleLike["exportKey"],
    deriveBits: (algorithm, key, length) => track(real.deriveBits(algorithm, key, length)),
    sign: (algorithm, key, data) => track(real.sign(algorithm, key, data)),
    verify: (algorithm, key, signature, data) => track(real.verify(algorithm, key, signature, data)),
    encrypt: (algorithm, key, data) => track(real.encrypt(algorithm, key, data)),
    decrypt: (algorithm, key, data) => track(real.decrypt(algorithm, key, data)),
  };
  const idle = async (): Promise<void> => {
    // A generation is two calls (generateKey, then exportKey): wait until nothing is left running.
    for (let i = 0; i < 100 && running.size > 0; i++) {
      await Promise.allSettled([...running]);
      await settle();
    }
    expect(running.size).toBe(0);
  };
  return { subtle, generated: () => generated, idle };
}

describe("webCryptoProvider's spare key shares", () => {
  it("by default: an X25519 share is made when the provider is, each share is ready at once and distinct, and agrees with a pure peer", async () => {
    const counting = countingSubtle();
    const before = counting.generated();
    const provider = await webCryptoProvider({ subtle: counting.subtle });
    // Detection generated its probe keys; then one X25519 spare was started (the default group).
    const primed = counting.generated();
    await counting.idle();
    const first = provider.asynchronous.generateKeyShare("x25519");
    expect(isPromise(first)).toBe(false);
    await settle();
    await counting.idle();
    const second = provider.asynchronous.generateKeyShare("x25519");
    expect(isPromise(second)).toBe(false);
    const [a, b] = [first as AsyncKeyShare, second as AsyncKeyShare];
    expect(b.publicKey).not.toEqual(a.publicKey);
    // One spare made ahead, then one per take for the next (started once the take's step returns).
    await settle();
    expect(counting.generated() - primed).toBe(2);
    expect(primed - before).toBeGreaterThan(0);
    for (const share of [a, b]) {
      const peer = pureProvider.generateKeyShare("x25519");
      expect(await share.deriveSharedSecret(peer.publicKey)).toEqual(peer.deriveSharedSecret(share.publicKey));
      expect(share.publicKey).toHaveLength(32);
    }
    // A group not primed generates its first share on demand, then keeps a spare.
    const p256 = provider.asynchronous.generateKeyShare("secp256r1");
    expect(isPromise(p256)).toBe(true);
    await p256;
    await settle();
    await counting.idle();
    expect(isPromise(provider.asynchronous.generateKeyShare("secp256r1"))).toBe(false);
  });

  it("with spareKeyShares: false every share is generated on demand, and none ahead", async () => {
    const counting = countingSubtle();
    const provider = await webCryptoProvider({ subtle: counting.subtle, spareKeyShares: false });
    const before = counting.generated();
    for (let i = 0; i < 3; i++) {
      const share = provider.asynchronous.generateKeyShare(i === 1 ? "x25519" : "secp256r1");
      expect(isPromise(share)).toBe(true);
      await share;
      await settle();
    }
    expect(counting.generated() - before).toBe(3);
  });

  it("X25519MLKEM768 draws its X25519 half from the same spares", async () => {
    const counting = countingSubtle();
    const provider = await webCryptoProvider({ subtle: counting.subtle });
    await counting.idle();
    const hybrid = provider.asynchronous.generateKeyShare("X25519MLKEM768");
    expect(isPromise(hybrid)).toBe(false);
    // The hybrid share's X25519 public value (its last 32 bytes) is a point noble agrees with.
    const x25519Half = (hybrid as AsyncKeyShare).publicKey.subarray(-32);
    const peer = x25519.utils.randomSecretKey();
    expect(x25519.getSharedSecret(peer, x25519Half)).toHaveLength(32);
  });
});
