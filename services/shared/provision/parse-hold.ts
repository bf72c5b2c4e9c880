/** A stored hold, `BUILD NODE` (build ids and node ids have no spaces), as the Provisions port answers it. */
export function parseHold(text: string): { buildId: string; nodeId: string } {
  const space = text.indexOf(' ');
  return { buildId: text.slice(0, space), nodeId: text.slice(space + 1) };
}
