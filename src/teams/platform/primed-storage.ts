import type { Storage, StoreItems } from "botbuilder";

/**
 * The bot's state storage, which a turn can hand the item it already read: a message turn reads
 * the dialog state with its first statement (who is talking + the state, one round trip), and
 * botbuilder's ConversationState then asks the storage for it. A primed item is given once, and
 * `forget` drops what a turn did not use, so that nothing stale outlives the turn.
 */
export class PrimedStorage implements Storage {
  private readonly primed = new Map<string, StoreItems[string] | null>();

  constructor(private readonly inner: Storage) {}

  prime(key: string, item: StoreItems[string] | null): void {
    this.primed.set(key, item);
  }

  forget(key: string): void {
    this.primed.delete(key);
  }

  async read(keys: string[]): Promise<StoreItems> {
    const key = keys.length === 1 ? keys[0]! : undefined;
    if (key === undefined || !this.primed.has(key)) return this.inner.read(keys);
    const item = this.primed.get(key);
    this.primed.delete(key);
    return item ? { [key]: item } : {};
  }

  write(changes: StoreItems): Promise<void> {
    for (const key of Object.keys(changes)) this.primed.delete(key);
    return this.inner.write(changes);
  }

  delete(keys: string[]): Promise<void> {
    for (const key of keys) this.primed.delete(key);
    return this.inner.delete(keys);
  }
}
