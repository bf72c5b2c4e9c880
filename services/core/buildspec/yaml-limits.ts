import { lineColumn, type AliasUse } from './locate-yaml.js';
import type { SpecIssue } from './types.js';

/** Most alias uses (`*name`) a spec may have. */
export const MAX_ALIASES = 50;

/**
 * Most values a spec may hold once its aliases are expanded. A spec without aliases never
 * comes near it (the size limit keeps it under about 130 000); a "billion laughs" document
 * of a few hundred bytes is refused without being expanded.
 */
export const MAX_EXPANDED_VALUES = 200_000;

const HINT = 'repeat the values, or put what steps share under defaults:';

/**
 * Refuses an alias bomb before anything walks the document: too many aliases, a node
 * that contains an alias of itself, or aliases that would expand past MAX_EXPANDED_VALUES.
 * Sizes are counted once per node (memoised), so the check is linear in the text.
 */
export function aliasIssue(text: string, root: unknown, aliases: readonly AliasUse[]): SpecIssue | undefined {
  if (aliases.length === 0) return undefined;
  if (aliases.length > MAX_ALIASES) {
    return at(
      text,
      aliases[MAX_ALIASES]!.offset,
      `more than ${MAX_ALIASES} YAML aliases (*name); ${aliases.length} found`,
    );
  }
  const sizes = new Map<object, number>();
  const open = new Set<object>();
  let cycle: object | undefined;
  const size = (node: unknown): number => {
    if (node === null || typeof node !== 'object') return 1;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    if (open.has(node)) {
      cycle ??= node;
      return 1;
    }
    open.add(node);
    let total = 1;
    for (const child of Object.values(node)) total += size(child);
    open.delete(node);
    sizes.set(node, total);
    return total;
  };
  const total = size(root);
  if (cycle !== undefined) {
    const use = aliases.find((a) => a.target === cycle) ?? aliases[0]!;
    return at(text, use.offset, 'a YAML alias refers to a node that contains it (a recursive document)');
  }
  if (total > MAX_EXPANDED_VALUES) {
    const biggest = aliases.reduce((a, b) => (size(b.target) > size(a.target) ? b : a));
    return at(
      text,
      biggest.offset,
      `YAML aliases expand the document to ${total.toLocaleString('en')} values; ` +
        `at most ${MAX_EXPANDED_VALUES.toLocaleString('en')} are allowed`,
    );
  }
  return undefined;
}

function at(text: string, offset: number, message: string): SpecIssue {
  return { path: '', ...lineColumn(text, offset), message, hint: HINT };
}
