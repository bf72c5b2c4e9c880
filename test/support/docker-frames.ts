/**
 * Docker's multiplexed log framing, for tests that play an engine's log: a frame is
 * [stream type, 0, 0, 0, uint32 BE length] then that many bytes (1 stdout, 2 stderr, 3 the
 * daemon's own errors).
 */
export function dockerFrame(type: 1 | 2 | 3, body: Buffer | string): Buffer {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(bytes.length, 4);
  return Buffer.concat([header, bytes]);
}

/** A stream's output as the engine frames it: one frame per line, the newline kept (no timestamps). */
export function framedLines(type: 1 | 2 | 3, output: Buffer | string): Buffer {
  const bytes = Buffer.isBuffer(output) ? output : Buffer.from(output, 'utf8');
  const frames: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    const newline = bytes.indexOf(0x0a, at);
    const end = newline < 0 ? bytes.length : newline + 1;
    frames.push(dockerFrame(type, bytes.subarray(at, end)));
    at = end;
  }
  return Buffer.concat(frames);
}
