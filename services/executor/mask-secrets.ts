import type { LogLine } from '../core/builds/log-line.js';

/**
 * Replaces every secret value in a text with `***`. Values shorter than 3 characters are not
 * masked: they would hide ordinary text. The longest are replaced first, so a secret that
 * contains another is hidden whole.
 */
export function secretTextMasker(values: readonly string[]): (text: string) => string {
  const secrets = [...new Set(values.filter((v) => v.length >= 3))].sort((a, b) => b.length - a.length);
  if (secrets.length === 0) return (text) => text;
  return (text) => {
    let masked = text;
    for (const secret of secrets) masked = masked.split(secret).join('***');
    return masked;
  };
}

/** `secretTextMasker` for log lines: each line's text masked, lines without a secret kept as they are. */
export function secretMasker(values: readonly string[]): (lines: LogLine[]) => LogLine[] {
  const mask = secretTextMasker(values);
  return (lines) =>
    lines.map((line) => {
      const text = mask(line.text);
      return text === line.text ? line : { ...line, text };
    });
}
