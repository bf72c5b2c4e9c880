import yaml from 'js-yaml';

/** Where each object or array of a YAML document starts in its text. */
export type PositionIndex = WeakMap<object, number>;

/**
 * Loads YAML with js-yaml and records the start offset of every mapping and sequence, so
 * that a schema error's path (`/test/1/image`) can be turned into a line and column.
 */
export function loadWithPositions(text: string, options: yaml.LoadOptions): { value: unknown; index: PositionIndex } {
  const index: PositionIndex = new WeakMap();
  const starts: number[] = [];
  const value = yaml.load(text, {
    ...options,
    listener(event, state) {
      if (event === 'open') starts.push(state.position);
      else {
        const start = starts.pop();
        const result: unknown = state.result;
        if (start !== undefined && result !== null && typeof result === 'object' && !index.has(result)) {
          index.set(result, start);
        }
      }
    },
  });
  return { value, index };
}

/** 1-based line and column of a text offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Best position for a JSON-pointer path: the deepest mapping or sequence on the way, then
 * the key itself when the path ends in a key (so an unknown or mistyped key is pointed at,
 * not its value), or the item when it ends in a sequence index.
 */
export function locatePath(
  text: string,
  root: unknown,
  index: PositionIndex,
  path: readonly string[],
): { line: number; column: number } | undefined {
  let node: unknown = root;
  let offset = isObject(root) ? index.get(root) : undefined;
  const parents = path.slice(0, -1);
  for (const segment of parents) {
    const child: unknown = isObject(node) ? (node as Record<string, unknown>)[segment] : undefined;
    if (!isObject(child) || !index.has(child)) break;
    node = child;
    offset = index.get(child);
  }
  if (offset === undefined) return undefined;
  const last = path.at(-1);
  if (last !== undefined && node === walk(root, parents)) {
    const child: unknown = (node as Record<string, unknown>)[last];
    if (Array.isArray(node)) {
      if (isObject(child) && index.has(child)) offset = index.get(child)!;
    } else {
      offset = findKey(text, last, offset) ?? offset;
    }
  }
  while (offset < text.length && /[\s-]/.test(text[offset]!)) offset++;
  return lineColumn(text, offset);
}

function isObject(value: unknown): value is object {
  return value !== null && typeof value === 'object';
}

function walk(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const segment of path) node = isObject(node) ? (node as Record<string, unknown>)[segment] : undefined;
  return node;
}

/** Offset of `key:` at or after `from` (block or flow style, quoted or not). */
function findKey(text: string, key: string, from: number): number | undefined {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`(^|[\\s{,])(["']?)${escaped}\\2\\s*:`, 'g');
  re.lastIndex = Math.max(0, from - 1);
  const found = re.exec(text);
  return found ? found.index + found[1]!.length : undefined;
}
