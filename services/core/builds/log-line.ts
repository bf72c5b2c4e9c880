/** One line of a step's output. */
export interface LogLine {
  /** ISO time Docker stamped the line with. */
  time: string;
  stream: 'stdout' | 'stderr';
  text: string;
}
