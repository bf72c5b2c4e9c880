import type { LogLine } from '../core/builds/log-line.js';

/**
 * Replaces every secret value in log lines with `***`. Values shorter than 3 characters are
 * not masked: they would hide ordinary text.
 */
export function secretMasker(values: readonly string[]): (lines: LogLine[]) => LogLine[] {
  const secrets = [...new Set(values.filter((v) => v.length >= 3))].sort((a, b) => b.length - a.length);
  if (secrets.length === 0) return (lines) => lines;
  return (lines) =>
    lines.map((line) => {
      let text = line.text;
      for (const secret of secrets) text = text.split(secret).join('***');
      return text === line.text ? line : { ...line, text };
    });
}
