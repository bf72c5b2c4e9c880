/**
 * Test results as Slipway keeps them: what a step's JUnit XML reports (`reports:` in the spec)
 * say about each test, and the summary shown on the build page and in the check run.
 */

export type TestStatus = 'passed' | 'failed' | 'errored' | 'skipped';

/** One `<testcase>`. */
export interface TestResult {
  /** The `<testsuite name>` it is in (innermost), or '' when none is given. */
  suite: string;
  /** `classname`, when given: the class, module or package (surefire, pytest, go). */
  classname?: string;
  name: string;
  status: TestStatus;
  /** `time` in milliseconds, when given. */
  timeMs?: number;
  /** The source file, relative to the workspace, when the report gives one. */
  file?: string;
  /** 1-based line in `file`: of the failing assertion where the failure text names it, else the report's. */
  line?: number;
  /** For failed, errored and skipped tests: the `message` attribute, else the first line of the text. */
  message?: string;
  /** The text of `<failure>`, `<error>` or `<skipped>` (a stack trace, assertion output), trimmed. */
  details?: string;
  /** Which report file it came from (as given to the parser). */
  report?: string;
}

/** Where a failure is, for a check run annotation (GitHub takes at most 50 per request). */
export interface TestAnnotation {
  file: string;
  line: number;
  /** `suite › name` */
  title: string;
  message: string;
  status: 'failed' | 'errored';
}

export interface TestCounts {
  total: number;
  passed: number;
  failed: number;
  errored: number;
  skipped: number;
}

/** What a build's reports add up to. */
export interface TestSummary {
  counts: TestCounts;
  /** Sum of the tests' times, in milliseconds. */
  timeMs: number;
  /**
   * Failed and errored tests, in report order, at most `maxFailures` (50): `counts` says how
   * many there were. Names and messages cut at 1,000 characters, details at 4,000.
   */
  failures: TestResult[];
  /** The slowest tests with a time, slowest first, at most `slowest`, without their details. */
  slowest: TestResult[];
  /** Those of `failures` whose report gives a file of the repository (relative, no `..`) and a line. */
  annotations: TestAnnotation[];
  /** Report files that could not be read as JUnit XML, and why. */
  unreadable: Array<{ report: string; error: string }>;
}
