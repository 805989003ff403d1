// `npm run lint`: typescript-eslint's recommended rules (syntax only, no type information, so it stays fast).
import tseslint from "typescript-eslint";

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
    // Tests lean on `x!` after an expect() has checked x; an unused fixture is shown, not refused.
    files: ["test/**/*.ts", "bench/**/*.ts", "vectors/**/*.ts"],
    rules: {
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/no-unused-vars": ["warn", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
);
