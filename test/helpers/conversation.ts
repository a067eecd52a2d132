import { expect } from "vitest";
import type { Person, TestBot } from "./bot-harness.js";
import { cardText, submitValue, walk } from "./cards.js";

export { findSubmit, inputValues } from "./cards.js";

/** A person talking to the bot in a personal chat the way Teams does it: typing text, or pressing a
 *  card button, which sends the card's inputs (their current values, changed by what the person
 *  typed) merged with the button's data. */
export class Conversation {
  lastCard: any = null;
  lastTexts: string[] = [];
  constructor(
    readonly bot: TestBot,
    readonly who: Person,
  ) {}

  async say(text: string) {
    return this.record(await this.bot.say(this.who, text));
  }

  async press(buttonTitle: string, fill: Record<string, string> = {}, card = this.lastCard) {
    if (!card) throw new Error("no card to press a button on");
    const value = submitValue(card, buttonTitle, fill);
    if (!value) throw new Error(`no button "${buttonTitle}" on the card:\n${cardText(card)}`);
    return this.record(await this.bot.submit(this.who, value));
  }

  private record(r: { cards: any[]; texts: string[] }) {
    this.lastTexts = r.texts;
    if (r.cards.length) this.lastCard = r.cards.at(-1);
    return r;
  }
}

/** The text shown just under an input (where the card puts the error message for that field). */
export function messageUnder(card: unknown, inputId: string): string | null {
  let result: string | null = null;
  walk(card, (o) => {
    const items: any[] | undefined = o.items ?? o.body;
    if (!Array.isArray(items)) return;
    items.forEach((item, i) => {
      let holds = false;
      walk(item, (x) => {
        if (x.id === inputId) holds = true;
      });
      if (holds && item.id === inputId) {
        const next = items[i + 1];
        if (next?.type === "TextBlock" && next.color === "Attention") result = next.text;
      }
    });
  });
  return result;
}

export function expectCardTitled(card: unknown, title: string): void {
  expect(cardText(card)).toContain(title);
}
