// `npm run lint`: typescript-eslint's recommended rules (syntax only, no type information, so it stays fast).
import { readFileSync } from "node:fs";
import tseslint from "typescript-eslint";

// Files of src/handshake that still hold non-null assertions; the typed handshake states (issue 12)
// remove them. There the rule only warns, and test/architecture.test.ts holds each file to its count.
const nonNullBaseline = Object.keys(JSON.parse(readFileSync(new URL("./eslint-non-null-baseline.json", import.meta.url), "utf8")));

export default tseslint.config(
  { ignores: ["dist/**", "bench/.out/**", "test/.readme-examples/**", "test/runtimes/node_modules/**", "test/runtimes/.build/**"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Outside src/handshake a non-null assertion is shown, not refused.
      "@typescript-eslint/no-non-null-assertion": "warn",
    },
  },
  {
    // A handshake state should hold only what is valid in it, so it never needs `x!`.
    files: ["src/handshake/**/*.ts"],
    rules: { "@typescript-eslint/no-non-null-assertion": "error" },
  },
  {
    files: nonNullBaseline,
    rules: { "@typescript-eslint/no-non-null-assertion": "warn" },
  },
  {
    // Tests lean on `x!` after an expect() has checked x; an unused fixture is shown, not refused.
    files: ["test/**/*.ts", "bench/**/*.ts", "vectors/**/*.ts"],
    rules: {
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/no-unused-vars": ["warn", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
);
