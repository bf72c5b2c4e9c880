/**
 * Log text inside a Markdown code block, so nothing a step prints renders as Markdown or
 * HTML: the fence is longer than any run of backticks in the text, and control characters
 * (terminal colours) are dropped.
 */
export function codeBlock(lines: readonly string[]): string {
  const clean = lines.map((line) =>
    line.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ''),
  );
  const longest = Math.max(
    0,
    ...clean.map((line) => Math.max(0, ...(line.match(/`+/g) ?? []).map((run) => run.length))),
  );
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}text\n${clean.join('\n')}\n${fence}`;
}

/** Text for a Markdown table cell or a line: no table breaks, no HTML, no emphasis from the text itself. */
export function inlineText(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/[\\`*_[\]<>|#]/g, (c) => `\\${c}`)
    .trim();
}
