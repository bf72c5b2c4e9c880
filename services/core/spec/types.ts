/** The stages of a build, in the fixed order they run. */
export const STAGES = ['test', 'e2e', 'deploy'] as const;
export type StageName = (typeof STAGES)[number];

/** One step as written in `.buildspec.yml`. */
export interface SpecStep {
  name: string;
  image: string;
  commands: string[];
  env?: Record<string, string | number | boolean>;
}

/** A `.buildspec.yml` after parsing and validation. */
export interface BuildSpec {
  version?: number;
  test?: SpecStep[];
  e2e?: SpecStep[];
  deploy?: SpecStep[];
}

/** One thing wrong with a spec: where it is and what to do about it. */
export interface SpecIssue {
  /** JSON pointer-like path in the document, e.g. `/test/0/image`; empty for the whole file. */
  path: string;
  /** 1-based line and column, when known. */
  line?: number;
  column?: number;
  message: string;
  hint?: string;
}

export type SpecResult = { ok: true; spec: BuildSpec } | { ok: false; issues: SpecIssue[] };
