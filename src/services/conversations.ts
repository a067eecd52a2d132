import type { Store, StoredConversation } from "../store/index.js";

/** Remembers where the bot can reach people and teams later (routing, notifications). */
export class ConversationService {
  constructor(private readonly store: Store) {}

  async remember(conversation: StoredConversation): Promise<void> {
    await this.store.conversations.upsert(conversation);
  }
}
