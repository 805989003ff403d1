// Generated from package.json by scripts/write-version.mjs (run by `npm version`); do not edit.
export const VERSION = "0.1.0";
