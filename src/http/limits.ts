import { UsageError } from "../bytes/index.js";

/** Bounds on what a server's response may make the client parse or hold (all of them finite). */
export interface HttpLimits {
  /** Largest header section (status line and field lines, with their CRLFs); also bounds trailers. Default 16 KiB, as Node. */
  readonly maxHeaderBytes: number;
  /** Most field lines in a header section (and in a trailer section). Default 100. */
  readonly maxHeaders: number;
  /** Longest chunk-size line, extensions included (RFC 9112 §7.1.1 lets us bound them). Default 1024. */
  readonly maxChunkLineBytes: number;
  /** Most interim (1xx) responses before the final one. Default 8. */
  readonly maxInterimResponses: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  maxHeaderBytes: 16 * 1024,
  maxHeaders: 100,
  maxChunkLineBytes: 1024,
  maxInterimResponses: 8,
};

export function httpLimitsFrom(partial: Partial<HttpLimits> | undefined): HttpLimits {
  const limits = { ...DEFAULT_HTTP_LIMITS, ...partial };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new UsageError(`limits.${name} must be a positive integer`);
  }
  return limits;
}
