/**
 * Timers for the transport layer. The core may not depend on a runtime's timer API, so a timeout
 * is either supplied by the caller (`ScheduleTimeout`) or taken from `globalThis.setTimeout` when the
 * runtime has one (browsers, Node, Deno, Bun, workerd). Without either, no timeout applies.
 */

/** Calls `onTimeout` after `ms` milliseconds unless the returned cancel function runs first. */
export type ScheduleTimeout = (ms: number, onTimeout: () => void) => () => void;

interface GlobalTimers {
  setTimeout?: (callback: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
}

/** `globalThis.setTimeout` as a ScheduleTimeout, or null in a runtime without timers (QuickJS). */
export function globalScheduleTimeout(): ScheduleTimeout | null {
  const g = globalThis as GlobalTimers;
  const setTimer = g.setTimeout;
  const clearTimer = g.clearTimeout;
  if (typeof setTimer !== "function" || typeof clearTimer !== "function") return null;
  return (ms, onTimeout) => {
    const handle = setTimer(onTimeout, ms);
    return () => clearTimer(handle);
  };
}

/**
 * Runs `work` with a deadline: resolves or rejects as `work` does, or rejects with `onTimeout()`'s
 * error after `ms`. Without a scheduler (or with `ms` not finite) `work` runs unbounded.
 */
export async function withDeadline<T>(
  work: Promise<T>,
  ms: number | undefined,
  schedule: ScheduleTimeout | null,
  onTimeout: () => Error,
): Promise<T> {
  if (ms === undefined || !Number.isFinite(ms) || schedule === null) return work;
  let cancel: () => void = () => undefined;
  const deadline = new Promise<never>((_, reject) => {
    cancel = schedule(ms, () => reject(onTimeout()));
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    cancel();
  }
}
