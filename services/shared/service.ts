/** Something started that must be stopped cleanly (workers, servers, connections). */
export interface Running {
  close(): Promise<void>;
}

/** Closes everything, last started first, and ends the process on SIGINT/SIGTERM. */
export function closeOnSignals(parts: Running[], onClosed: () => void = () => process.exit(0)): void {
  let closing = false;
  const close = async () => {
    if (closing) return;
    closing = true;
    for (const part of [...parts].reverse()) await part.close().catch(() => undefined);
    onClosed();
  };
  process.once('SIGINT', close);
  process.once('SIGTERM', close);
}
