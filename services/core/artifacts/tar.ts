/**
 * The few parts of the tar format Slipway moves artifacts in, pure (bytes in, bytes out):
 * what busybox and GNU tar write (ustar, with GNU `L` long names or pax `path` records for
 * names past 100 characters) is read; regular files are written as ustar, a name past 100
 * characters split into ustar's prefix or, when it cannot be, preceded by a GNU `L` record
 * (both tars read it). Only regular files are kept: directories are implied by their files,
 * and links are dropped, so an archive can never point outside the workspace.
 */
export interface TarFile {
  /** Relative path with `/` separators, no leading `./`. */
  path: string;
  bytes: Buffer;
}

export type TarRead = { ok: true; files: TarFile[]; skipped: string[] } | { ok: false; error: string };

const BLOCK = 512;

export function readTar(archive: Buffer): TarRead {
  const files: TarFile[] = [];
  const skipped: string[] = [];
  let offset = 0;
  let longName: string | undefined;
  while (offset + BLOCK <= archive.length) {
    const header = archive.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    if (!checksumOk(header)) return { ok: false, error: `bad tar header checksum at byte ${offset}` };
    const size = octal(header.subarray(124, 136));
    const type = String.fromCharCode(header[156] ?? 0);
    const dataStart = offset + BLOCK;
    const data = archive.subarray(dataStart, dataStart + size);
    if (data.length < size) return { ok: false, error: 'the archive ends inside a file' };
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L') {
      longName = cString(data);
      continue;
    }
    if (type === 'x') {
      longName = paxPath(data) ?? longName;
      continue;
    }
    if (type === 'g') continue;
    const prefix = cString(header.subarray(345, 500));
    const name =
      longName ?? (prefix ? `${prefix}/${cString(header.subarray(0, 100))}` : cString(header.subarray(0, 100)));
    longName = undefined;
    const path = cleanPath(name);
    if (type === '0' || type === '\0' || type === '7') {
      if (path === undefined) skipped.push(name);
      else files.push({ path, bytes: Buffer.from(data) });
    } else if (type !== '5') {
      skipped.push(name);
    }
  }
  return { ok: true, files, skipped };
}

/** An archive of `files` (mode 0644, owner root, time 0), ending with the two zero blocks. */
export function writeTar(files: readonly TarFile[]): Buffer {
  const parts: Buffer[] = [];
  for (const file of files) {
    const { name, prefix } = splitName(file.path);
    if (name === undefined)
      parts.push(
        header('././@LongLink', '', Buffer.byteLength(file.path) + 1, 'L'),
        padded(Buffer.from(`${file.path}\0`)),
      );
    parts.push(header(name ?? file.path.slice(0, 100), prefix, file.bytes.length, '0'), padded(file.bytes));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

/** `a/./b`, `./a` → `a/b`; absolute paths and `..` are refused (undefined). */
export function cleanPath(name: string): string | undefined {
  if (name.startsWith('/')) return undefined;
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.includes('..')) return undefined;
  return parts.join('/');
}

function splitName(path: string): { name: string | undefined; prefix: string } {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: '' };
  for (let i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return { name, prefix };
  }
  return { name: undefined, prefix: '' };
}

function header(name: string, prefix: string, size: number, type: string): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 'ascii');
  h.write('0000000\0', 108, 'ascii');
  h.write('0000000\0', 116, 'ascii');
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  h.write('00000000000\0', 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(type, 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  const sum = h.reduce((a, b) => a + b, 0);
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

function padded(data: Buffer): Buffer {
  const rest = data.length % BLOCK;
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(BLOCK - rest)]);
}

function checksumOk(h: Buffer): boolean {
  const stored = octal(h.subarray(148, 156));
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  return sum === stored;
}

function octal(field: Buffer): number {
  // GNU base-256 for sizes past 8 GiB: first byte 0x80.
  if ((field[0] ?? 0) & 0x80) {
    let n = 0;
    for (let i = 1; i < field.length; i++) n = n * 256 + field[i]!;
    return n;
  }
  const text = cString(field).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function cString(field: Buffer): string {
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString('utf8');
}

/** The `path` of a pax extended header (`<len> path=<value>\n` records). */
function paxPath(data: Buffer): string | undefined {
  const text = data.toString('utf8');
  const match = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(text);
  return match?.[1];
}
