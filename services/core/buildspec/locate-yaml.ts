import yaml from 'js-yaml';

/** Where each object or array of a YAML document starts in its text. */
export type PositionIndex = WeakMap<object, number>;

/** One use of an alias (`*name`) in the text, and the node it stands for. */
export interface AliasUse {
  offset: number;
  target: unknown;
}

/**
 * Loads YAML with js-yaml and records the start offset of every mapping and sequence, so
 * that a schema error's path (`/test/1/image`) can be turned into a line and column, and
 * every use of an alias, so that an alias bomb can be refused before anything walks the
 * value (js-yaml shares an aliased node, it does not copy it; walking it expands it).
 */
export function loadWithPositions(
  text: string,
  options: yaml.LoadOptions,
): { value: unknown; index: PositionIndex; aliases: AliasUse[] } {
  const index: PositionIndex = new WeakMap();
  const starts: number[] = [];
  const aliases: AliasUse[] = [];
  const seen = new Set<number>();
  const value = yaml.load(text, {
    ...options,
    listener(event, state) {
      if (event === 'open') {
        starts.push(state.position);
        return;
      }
      const start = starts.pop();
      if (start === undefined) return;
      const result: unknown = state.result;
      const at = skipBlank(text, start);
      // A node that starts with `*` is an alias. A node may be reported twice (a block
      // mapping that turns out to be a plain value), so each offset counts once.
      if (text[at] === '*') {
        if (!seen.has(at)) aliases.push({ offset: at, target: result });
        seen.add(at);
      } else if (result !== null && typeof result === 'object' && !index.has(result)) {
        index.set(result, start);
      }
    },
  });
  return { value, index, aliases };
}

/** The offset of the first character at or after `from` that is not white space or part of a comment. */
export function skipBlank(text: string, from: number): number {
  let at = from;
  for (;;) {
    while (at < text.length && /\s/.test(text[at]!)) at++;
    if (text[at] !== '#') return at;
    while (at < text.length && text[at] !== '\n') at++;
  }
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
      else offset = findItem(text, Number(last), offset) ?? offset;
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

/**
 * Offset of `key:` as a key of the mapping that starts at `from`: in block style a key at the
 * mapping's own indentation before the mapping ends; in flow style one of the mapping's own
 * entries (never a look-alike inside a string, a comment or a nested mapping or sequence).
 */
function findKey(text: string, key: string, from: number): number | undefined {
  const start = contentStart(text, from, true);
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (text[start] === '{') {
    const keyHere = new RegExp(`(["']?)${escaped}\\1\\s*:`, 'y');
    for (const entry of flowEntries(text, start)) {
      // An explicit key: `? key : value`.
      const at = text[entry] === '?' && /\s/.test(text[entry + 1] ?? '') ? skipBlank(text, entry + 1) : entry;
      keyHere.lastIndex = at;
      if (keyHere.test(text)) return at;
    }
    return undefined;
  }
  const keyAt = new RegExp(`^(["']?)${escaped}\\1\\s*:`);
  const column = start - (text.lastIndexOf('\n', start - 1) + 1);
  let lineStart = start - column;
  for (let first = true; lineStart < text.length; first = false) {
    const end = text.indexOf('\n', lineStart);
    const line = text.slice(lineStart, end === -1 ? text.length : end);
    const indent = line.search(/\S/);
    if (first) {
      if (keyAt.test(line.slice(column))) return lineStart + column;
    } else if (indent !== -1 && !line.trimStart().startsWith('#')) {
      if (indent < column) return undefined;
      if (indent === column && keyAt.test(line.slice(indent))) return lineStart + indent;
    }
    if (end === -1) return undefined;
    lineStart = end + 1;
  }
  return undefined;
}

/**
 * Where a node's content begins, from where js-yaml says the node opens: past white space,
 * comments, the node's properties (an anchor `&name`, a tag `!tag`) and, with `dash`, the `-`
 * of the block sequence item the node is.
 */
function contentStart(text: string, from: number, dash: boolean): number {
  let at = from;
  for (;;) {
    at = skipBlank(text, at);
    const ch = text[at];
    if (dash && ch === '-' && /\s/.test(text[at + 1] ?? ' ')) at++;
    else if (ch === '&' || ch === '!') while (at < text.length && !/\s/.test(text[at]!)) at++;
    else return at;
  }
}

/**
 * Offset of item `i` of the sequence that starts at `from` (a scalar item, which has no
 * entry in the index): in block style the i-th `-` at the sequence's own indentation, in
 * flow style the start of the i-th entry between `[` and `]`.
 */
function findItem(text: string, i: number, from: number): number | undefined {
  const start = contentStart(text, from, false);
  if (text[start] === '[') {
    let count = 0;
    for (const entry of flowEntries(text, start)) if (count++ === i) return entry;
    return undefined;
  }
  if (text[start] !== '-') return undefined;
  const column = start - (text.lastIndexOf('\n', start - 1) + 1);
  let lineStart = start - column;
  let count = 0;
  for (let first = true; lineStart < text.length; first = false) {
    const end = text.indexOf('\n', lineStart);
    const line = text.slice(lineStart, end === -1 ? text.length : end);
    const indent = first ? column : line.search(/\S/);
    if (indent !== -1 && !line.trimStart().startsWith('#')) {
      if (indent < column) return undefined;
      if (indent === column) {
        if (!/^-(\s|$)/.test(line.slice(indent))) return undefined;
        if (count === i) return lineStart + indent;
        count++;
      }
    }
    if (end === -1) return undefined;
    lineStart = end + 1;
  }
  return undefined;
}

/**
 * The offset of each entry of the flow collection (`{…}` or `[…]`) that opens at `open`, in
 * order: the first character of each of its own entries, stepping over what nested
 * collections, quoted scalars and comments hold. Ends at the collection's closing bracket.
 */
function* flowEntries(text: string, open: number): Generator<number> {
  let depth = 0;
  let expectEntry = true;
  for (let at = open; at < text.length; at++) {
    const ch = text[at]!;
    if (/\s/.test(ch)) continue;
    if (ch === '#' && /\s/.test(text[at - 1] ?? '')) {
      const end = text.indexOf('\n', at);
      at = end === -1 ? text.length : end;
      continue;
    }
    if (depth === 1 && expectEntry && ch !== ',' && ch !== ']' && ch !== '}') {
      expectEntry = false;
      yield at;
    }
    // A quote opens a quoted scalar only where a scalar can begin (`it's` is a plain scalar).
    const scalarMayBegin = /[\s{[,:?]/.test(text[at - 1] ?? ' ');
    if (ch === "'" && scalarMayBegin) at = closingSingle(text, at);
    else if (ch === '"' && scalarMayBegin) at = closingDouble(text, at);
    else if (ch === '[' || ch === '{') depth++;
    else if (ch === ']' || ch === '}') {
      depth--;
      if (depth === 0) return;
    } else if (ch === ',' && depth === 1) expectEntry = true;
  }
}

/** Offset of the quote that closes the single-quoted scalar opening at `at` ('' is an escaped quote). */
function closingSingle(text: string, at: number): number {
  for (let i = at + 1; i < text.length; i++) {
    if (text[i] === "'") {
      if (text[i + 1] === "'") i++;
      else return i;
    }
  }
  return text.length;
}

/** Offset of the quote that closes the double-quoted scalar opening at `at`. */
function closingDouble(text: string, at: number): number {
  for (let i = at + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return text.length;
}
