import type { Redeliveries, RedeliveryRecord } from '../ports/redeliveries.js';

/** Redeliveries asked for, in this process's memory; `now` is the clock expiry is judged by. */
export class MemoryRedeliveries implements Redeliveries {
  private readonly records = new Map<string, { record: RedeliveryRecord; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async claim(record: RedeliveryRecord, ttlMs: number): Promise<boolean> {
    // Checked and set in one turn of the event loop, so concurrent claims cannot both win.
    const held = this.records.get(key(record.hook, record.guid, record.round));
    if (held && held.until > this.now()) return false;
    this.records.set(key(record.hook, record.guid, record.round), { record: { ...record }, until: this.now() + ttlMs });
    return true;
  }

  async get(hook: string, guid: string, round: number): Promise<RedeliveryRecord | undefined> {
    const entry = this.records.get(key(hook, guid, round));
    if (!entry || entry.until <= this.now()) return undefined;
    return { ...entry.record };
  }

  async release(hook: string, guid: string, round: number): Promise<void> {
    this.records.delete(key(hook, guid, round));
  }
}

const key = (hook: string, guid: string, round: number) => `${hook}\n${guid}\n${round}`;
