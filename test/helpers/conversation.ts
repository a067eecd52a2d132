import { expect } from "vitest";
import { cardText, type Person, type TestBot } from "./bot-harness.js";

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
    const action = findSubmit(card, buttonTitle);
    if (!action) throw new Error(`no button "${buttonTitle}" on the card:\n${cardText(card)}`);
    const inputs = action.associatedInputs === "none" ? {} : { ...inputValues(card), ...fill };
    return this.record(await this.bot.submit(this.who, { ...inputs, ...action.data }));
  }

  private record(r: { cards: any[]; texts: string[] }) {
    this.lastTexts = r.texts;
    if (r.cards.length) this.lastCard = r.cards.at(-1);
    return r;
  }
}

function walk(node: unknown, visit: (o: Record<string, any>) => void): void {
  if (Array.isArray(node)) return node.forEach((n) => walk(n, visit));
  if (!node || typeof node !== "object") return;
  visit(node as Record<string, any>);
  for (const v of Object.values(node)) walk(v, visit);
}

export function findSubmit(card: unknown, title: string): any {
  let found: any = null;
  walk(card, (o) => {
    if (!found && o.type === "Action.Submit" && o.title === title) found = o;
  });
  return found;
}

/** Current values of every input of a card, as Teams would send them. */
export function inputValues(card: unknown): Record<string, string> {
  const values: Record<string, string> = {};
  walk(card, (o) => {
    if (typeof o.type === "string" && o.type.startsWith("Input.") && typeof o.id === "string") {
      values[o.id] = o.value === undefined ? (o.type === "Input.Toggle" ? (o.valueOff ?? "false") : "") : String(o.value);
    }
  });
  return values;
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
