// Types for extract.mjs, so strict TypeScript (tests) can import the parser and the JSON shape.

/** One "label (N octets):  hex" item; `hex` is lowercase without separators. */
export interface Rfc8448Item {
  label: string;
  hex: string;
  length: number;
}

/** One "{actor}  action:" step of a trace, with its items in document order. */
export interface Rfc8448Step {
  actor: string;
  action: string;
  /** 1-based line of the step in the RFC text. */
  line: number;
  items: Rfc8448Item[];
}

/** The content of one sectionN-*.json file. */
export interface Rfc8448Section {
  source: string;
  section: string;
  title: string;
  steps: Rfc8448Step[];
}

export interface Rfc8448SectionInfo {
  section: string;
  title: string;
  file: string;
}

export declare const SECTIONS: readonly Rfc8448SectionInfo[];
export declare const EXPECTED_ITEM_COUNT: number;

/** Parses the RFC 8448 text; throws on any length mismatch or unexpected item count. */
export declare function parseRfc8448(text: string): { file: string; json: Rfc8448Section }[];
export declare function formatSection(json: Rfc8448Section): string;
export declare function listSteps(parsed: { file: string; json: Rfc8448Section }[]): string;
