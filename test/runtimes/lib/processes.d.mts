/** Types of processes.mjs, for bench/lib/workerd.ts (TypeScript), which starts workerd as the matrix does. */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void;
export function tail(text: string): string;
export function freePort(): Promise<number>;
