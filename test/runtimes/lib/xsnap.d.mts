/** Types of xsnap.mjs, for bench/lib/xs.ts (TypeScript) which shares its build of XS. */
export function xsnapBinaryPath(root: string): string;
export function ensureXsnap(root: string, log?: (line: string) => void): string;
export function xsVersion(binary: string): string;
export function entropyBytes(length: number, seed?: string | Uint8Array | null): Uint8Array;
export function xsPrelude(config: unknown, entropy: Uint8Array): string;
