/**
 * Runs inside QuickJS (quickjs-emscripten), bundled as one IIFE: `__config.n` in-memory mutual
 * handshakes, timed with Date.now() (QuickJS has no finer clock), reported through `__report`.
 * The host supplies `crypto.getRandomValues` and the PEM strings; nothing else from Node.
 */
import { establishedPair, type MutualCredentials } from "../../test/helpers/pair.js";

declare const __config: MutualCredentials & { n: number };
declare function __report(json: string): void;

function handshake(): void {
  establishedPair(__config);
}

try {
  handshake(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < __config.n; i++) {
    const t0 = Date.now();
    handshake();
    samples.push(Date.now() - t0);
  }
  __report(JSON.stringify({ samples }));
} catch (e) {
  __report(JSON.stringify({ error: String(e instanceof Error ? `${e.message} ${e.stack ?? ""}` : e) }));
}
