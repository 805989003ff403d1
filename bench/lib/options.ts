/** Command-line options of `npm run bench` (`-- --quick` for the short CI run). */
export interface BenchOptions {
  /** Fewer iterations and less data: finishes in under three minutes on the reference machine. */
  readonly quick: boolean;
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const unknown = argv.filter((a) => a !== "--quick");
  if (unknown.length > 0) throw new Error(`unknown option(s) ${unknown.join(" ")}; usage: npm run bench [-- --quick]`);
  return { quick: argv.includes("--quick") };
}
