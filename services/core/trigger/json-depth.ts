/**
 * Whether JSON text nests arrays and objects deeper than `max`, found by one scan of the text
 * (strings skipped) before it is parsed, so a hostile body never reaches a recursive walker.
 * Pure; says nothing about whether the text is valid JSON.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}
