/**
 * x509-limbo (C2SP) as an outside oracle for path validation: every case's expected_result was
 * written by the suite's authors, not derived from mutls. Fails if agreement drops below the
 * score recorded in vectors/x509-limbo/score.json, if a case is skipped for a reason not listed
 * there, or if the harness's result file is malformed. Runs the copy committed in
 * vectors/x509-limbo (its README says where it comes from); a newer copy saved as
 * ../shared/vectors/x509-limbo.json, beside the checkout, is used instead when present.
 */
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { runLimbo, runLimboCase, scoreLimbo, type LimboSuite } from "../../vectors/x509-limbo/harness.js";

const SHARED = new URL("../../../shared/vectors/x509-limbo.json", import.meta.url);
const LOCAL = new URL("../../vectors/x509-limbo/x509-limbo.json", import.meta.url);
const SCORE = JSON.parse(readFileSync(new URL("../../vectors/x509-limbo/score.json", import.meta.url), "utf8")) as {
  total: number;
  agree: number;
  skipped: Record<string, string>;
  disagree: Record<string, string>;
};

describe("x509-limbo", () => {
  const suite = JSON.parse(readFileSync(existsSync(SHARED) ? SHARED : LOCAL, "utf8")) as LimboSuite;
  const results = runLimbo(suite);
  const expected = new Map(suite.testcases.map((c) => [c.id, c.expected_result]));

  test("the harness writes one well-formed result per case", () => {
    expect(results.results.map((r) => r.id)).toEqual(suite.testcases.map((c) => c.id));
    for (const r of results.results) expect(["SUCCESS", "FAILURE", "SKIPPED"]).toContain(r.actual_result);
  });

  test(`agreement stays at or above the recorded ${SCORE.agree}/${SCORE.total}`, () => {
    const score = scoreLimbo(suite, results);
    const wrong = results.results.filter((r) => r.actual_result !== "SKIPPED" && r.actual_result !== expected.get(r.id));
    const unexplained = wrong.filter((r) => !(r.id in SCORE.disagree)).map((r) => `${r.id}: expected ${expected.get(r.id)}, got ${r.actual_result} (${r.context})`);
    expect(unexplained, "disagreements not recorded in score.json").toEqual([]);
    expect(score.total).toBe(SCORE.total);
    expect(score.agree).toBeGreaterThanOrEqual(SCORE.agree);
    // The floor the project set itself: agreement on at least 95% of all cases, skipped ones counted against us.
    expect(score.agree / score.total).toBeGreaterThanOrEqual(0.95);
  });

  test("only the recorded out-of-scope cases are skipped, each with a reason", () => {
    const skipped = results.results.filter((r) => r.actual_result === "SKIPPED");
    expect(skipped.map((r) => r.id).sort()).toEqual(Object.keys(SCORE.skipped).sort());
    for (const r of skipped) expect(r.context.length).toBeGreaterThan(20);
  });

  test("every refusal is a TLSError naming an alert", () => {
    for (const r of results.results.filter((x) => x.actual_result === "FAILURE")) {
      expect(r.context, r.id).toMatch(/^(bad_certificate|unsupported_certificate|certificate_expired|certificate_revoked|unknown_ca|decode_error|internal_error|[A-Z]+ name)/);
    }
  });
});

describe("x509-limbo's public-suffix wildcard cases, with an isPublicSuffix hook", () => {
  const suite = JSON.parse(readFileSync(existsSync(SHARED) ? SHARED : LOCAL, "utf8")) as LimboSuite;
  const cases = suite.testcases.filter((c) => (c.features ?? []).includes("pedantic-public-suffix-wildcard"));
  // The entries of the Public Suffix List these cases need, as an application's hook would hold them.
  const SUFFIXES = new Set(["com", "uk", "co.uk"]);

  test("the suite has such cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(2);
  });
  test.each(cases.map((c) => [c.id, c] as const))("%s", (_id, c) => {
    const result = runLimboCase(c, new Date(), { isPublicSuffix: (d) => SUFFIXES.has(d) });
    expect(result.actual_result, result.context).toBe(c.expected_result);
  });
});
