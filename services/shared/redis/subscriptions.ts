import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

type Listener = (message: string) => void;

/**
 * One Redis subscriber connection for the whole process, opened at the first `listen`,
 * shared by every channel (live logs, stops). ioredis subscribes again by itself after a
 * reconnect. A listener that throws is logged; the others still get the message.
 */
export class Subscriptions {
  private subscriber: Redis | undefined;
  private readonly channels = new Map<string, { listeners: Set<Listener>; subscribed: Promise<unknown> }>();

  constructor(
    private readonly connect: () => Redis,
    private readonly logger: Logger,
  ) {}

  /** Listens to a channel; resolves once Redis confirmed the subscription, to the function that stops listening. */
  async listen(channel: string, listener: Listener): Promise<() => Promise<void>> {
    const subscriber = this.connection();
    let entry = this.channels.get(channel);
    if (!entry) {
      entry = { listeners: new Set(), subscribed: subscriber.subscribe(channel) };
      this.channels.set(channel, entry);
    }
    const own: Listener = (message) => listener(message);
    entry.listeners.add(own);
    try {
      await entry.subscribed;
    } catch (err) {
      entry.listeners.delete(own);
      if (entry.listeners.size === 0) this.channels.delete(channel);
      throw err;
    }
    return async () => {
      const current = this.channels.get(channel);
      if (!current?.listeners.delete(own) || current.listeners.size > 0) return;
      this.channels.delete(channel);
      await subscriber.unsubscribe(channel).catch(() => undefined);
    };
  }

  close(): void {
    this.subscriber?.disconnect();
    this.subscriber = undefined;
    this.channels.clear();
  }

  private connection(): Redis {
    if (this.subscriber) return this.subscriber;
    const subscriber = this.connect();
    subscriber.on('message', (channel: string, message: string) => {
      for (const listener of [...(this.channels.get(channel)?.listeners ?? [])]) {
        try {
          listener(message);
        } catch (err) {
          this.logger.error('a subscriber failed on a message', { channel, err });
        }
      }
    });
    this.subscriber = subscriber;
    return subscriber;
  }
}
