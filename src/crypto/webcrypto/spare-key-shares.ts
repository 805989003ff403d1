/**
 * Key shares made before they are asked for (issue 13). On `crypto.subtle` a fresh share costs two
 * calls that wait on the runtime (generateKey, then exportKey of the public half), and each
 * handshake needs one on each side before it can send anything. So after a share of a group is
 * taken, the next one is generated in the background: the next handshake of that group finds it
 * ready and takes it without waiting (no Promise at all).
 *
 * RFC 8446 §4.2.8 keys are ephemeral: a share is handed out once and dropped from here when it is
 * taken, so no two handshakes ever hold the same one. At most one spare per group is kept (plus the
 * one in flight a taker may be waiting for), and only for a group that has been used, so nothing
 * grows. A background generation that fails is forgotten: the next call generates on demand.
 */
import type { AsyncKeyShare, MaybePromise } from "../provider.js";
import type { EcdheGroup } from "./key-share.js";

/** One spare: `share` once the runtime has made it, the generation until then. */
interface Spare {
  share: AsyncKeyShare | null;
  readonly made: Promise<AsyncKeyShare>;
}

export class SpareKeyShares {
  private readonly spares = new Map<EcdheGroup, Spare>();

  constructor(private readonly generate: (group: EcdheGroup) => Promise<AsyncKeyShare>) {}

  /**
   * A never-used share of `group`: the spare when it is ready (a plain value), the spare's
   * generation when it is still running, else a fresh generation. Either way a new spare is
   * started for the next caller.
   */
  take(group: EcdheGroup): MaybePromise<AsyncKeyShare> {
    const spare = this.spares.get(group);
    this.spares.delete(group);
    let share: MaybePromise<AsyncKeyShare>;
    if (spare === undefined) share = this.generate(group);
    else if (spare.share !== null) share = spare.share;
    // Still running: it started before this call, so waiting for it beats starting another.
    else share = spare.made.catch(() => this.generate(group));
    // The taker's own generation goes first; the next taker's spare after it.
    this.refill(group);
    return share;
  }

  /**
   * Starts a spare of `group` now if there is none, so that even the first handshake finds one
   * (the provider does this for X25519, the default group, when it is created).
   */
  prime(group: EcdheGroup): void {
    if (!this.spares.has(group)) this.refill(group);
  }

  /** How many spares are kept or being made (tests: the pool stays bounded). */
  get size(): number {
    return this.spares.size;
  }

  private refill(group: EcdheGroup): void {
    const spare: Spare = { share: null, made: this.generate(group) };
    spare.made.then(
      (share) => {
        spare.share = share;
      },
      () => {
        // A failed spare is forgotten (the rejection is handled here): the next take generates on demand.
        if (this.spares.get(group) === spare) this.spares.delete(group);
      },
    );
    this.spares.set(group, spare);
  }
}
