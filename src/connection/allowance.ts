/**
 * How many messages of one kind a peer may still send (issue 11 §3): a token bucket that starts
 * full at `max`, earns one token per `bytesPerToken` bytes of application data received and one
 * per `msPerToken` milliseconds of the configured clock, and never holds more than `max`.
 *
 * Earning by bytes alone would let a peer that sends nothing spend only its first `max`; earning by
 * time alone (GnuTLS allows 8 KeyUpdates per second) would let a fast peer replay `max` every
 * window. Together they bound what the messages cost us by `max`, plus a share of what the
 * peer's data costs anyway, plus a trickle per second, whatever the interleaving.
 */
export class Allowance {
  private tokens: number;
  /** Bytes received since the tokens were last brought up to date (added per record: no clock read there). */
  private bytes = 0;
  private lastMs: number;

  constructor(
    readonly max: number,
    private readonly bytesPerToken: number,
    private readonly msPerToken: number,
    private readonly now: () => number,
  ) {
    this.tokens = max;
    this.lastMs = now();
  }

  /** Application data received: it earns tokens when one is next taken. */
  earn(bytes: number): void {
    this.bytes += bytes;
  }

  /** Spends one token; false (nothing spent) when none is left. */
  take(): boolean {
    const nowMs = this.now();
    // A clock that steps back earns nothing, and the next interval is measured from where it is now.
    const elapsed = nowMs > this.lastMs ? nowMs - this.lastMs : 0;
    this.lastMs = nowMs;
    this.tokens = Math.min(this.max, this.tokens + this.bytes / this.bytesPerToken + elapsed / this.msPerToken);
    this.bytes = 0;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
