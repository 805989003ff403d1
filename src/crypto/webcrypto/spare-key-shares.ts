/**
 * Key shares made before they are asked for (issue 13). On `crypto.subtle` a fresh share costs two
 * calls that wait on the runtime (generateKey, then exportKey of the public half), and each
 * handshake needs one on each side before it can send anything. So after a share of a group is
 * taken, the next one is generated in the background: the next handshake of that group finds it
 * ready and takes it without waiting (no Promise at all).
 *
 * RFC 8446 §4.2.8 keys are ephemeral: a share is handed out once and dropped from here when it is
 * taken, so no two handshakes ever hold the same one. One spare per group is kept, and only for a
 * group that has been used; a taker that finds its spare still being made (handshakes that come
 * faster than one generation: a server's concurrent clients, or a process that is both client and
 * server) has the group keep one more, up to MAX_DEPTH, so nothing grows beyond that. A background
 * generation that fails is forgotten: the next call generates on demand.
 */
import type { AsyncKeyShare, MaybePromise } from "../provider.js";
import type { EcdheGroup } from "./key-share.js";

/** One spare: `share` once the runtime has made it, the generation until then. */
interface Spare {
  share: AsyncKeyShare | null;
  readonly made: Promise<AsyncKeyShare>;
}

/** A group's spares, oldest first, and how many it keeps. */
interface Pool {
  readonly spares: Spare[];
  depth: number;
}

const MAX_DEPTH = 4;

export class SpareKeyShares {
  private readonly pools = new Map<EcdheGroup, Pool>();

  constructor(private readonly generate: (group: EcdheGroup) => Promise<AsyncKeyShare>) {}

  /**
   * A never-used share of `group`: the oldest spare when it is ready (a plain value), its
   * generation when it is still running, else a fresh generation. Either way the group's spares
   * are topped up for the next callers.
   */
  take(group: EcdheGroup): MaybePromise<AsyncKeyShare> {
    const pool = this.pool(group);
    const spare = pool.spares.shift();
    let share: MaybePromise<AsyncKeyShare>;
    if (spare === undefined) share = this.generate(group);
    else if (spare.share !== null) share = spare.share;
    else {
      // Still running: it started before this call, so waiting for it beats starting another.
      // Takers outrun one spare: keep one more of this group from now on.
      pool.depth = Math.min(pool.depth + 1, MAX_DEPTH);
      share = spare.made.catch(() => this.generate(group));
    }
    // The next takers' spares are started once the taker's own work is under way (a microtask
    // runs when the caller's synchronous step returns): it may be about to hand its peer's share
    // or a signature to the runtime, and starting a generation costs the thread some 0.1 ms.
    void Promise.resolve(pool).then((p) => this.topUp(group, p));
    return share;
  }

  private topUp(group: EcdheGroup, pool: Pool): void {
    while (pool.spares.length < pool.depth) this.refill(group, pool);
  }

  /**
   * Starts a spare of `group` now if there is none, so that even the first handshake finds one
   * (the provider does this for X25519, the default group, when it is created).
   */
  prime(group: EcdheGroup): void {
    const pool = this.pool(group);
    if (pool.spares.length === 0) this.refill(group, pool);
  }

  /** How many spares are kept or being made, all groups together (tests: the pool stays bounded). */
  get size(): number {
    let n = 0;
    for (const pool of this.pools.values()) n += pool.spares.length;
    return n;
  }

  private pool(group: EcdheGroup): Pool {
    let pool = this.pools.get(group);
    if (pool === undefined) this.pools.set(group, (pool = { spares: [], depth: 1 }));
    return pool;
  }

  private refill(group: EcdheGroup, pool: Pool): void {
    const spare: Spare = { share: null, made: this.generate(group) };
    spare.made.then(
      (share) => {
        spare.share = share;
      },
      () => {
        // A failed spare is forgotten (the rejection is handled here): the next take generates on demand.
        const at = pool.spares.indexOf(spare);
        if (at >= 0) pool.spares.splice(at, 1);
      },
    );
    pool.spares.push(spare);
  }
}
