/** Structured log lines on stderr, one JSON object each, for the operator's log collector. */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(service: string, quiet = process.env.SLIPWAY_LOG === 'silent'): Logger {
  const write =
    (level: string) =>
    (msg: string, fields: Record<string, unknown> = {}) => {
      if (quiet) return;
      const line = { time: new Date().toISOString(), level, service, msg, ...fields };
      process.stderr.write(`${JSON.stringify(line, errorReplacer)}\n`);
    };
  return { info: write('info'), warn: write('warn'), error: write('error') };
}

function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message } : value;
}
