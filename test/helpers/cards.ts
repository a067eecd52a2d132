// Reading Adaptive Cards as a person in Teams does: their text, their inputs, their buttons. Shared
// by the tests (bot-harness.ts, conversation.ts) and the bench's simulated users (bench/run.ts,
// bench/load.ts); plain functions of the card JSON, nothing else imported.

/** Visits every object of a card, depth first. */
export function walk(node: unknown, visit: (o: Record<string, any>) => void): void {
  if (Array.isArray(node)) return node.forEach((n) => walk(n, visit));
  if (!node || typeof node !== "object") return;
  visit(node as Record<string, any>);
  for (const v of Object.values(node)) walk(v, visit);
}

/** The first action (Action.Submit, Action.Execute…) that `pred` accepts, or null. */
export function findAction(card: unknown, pred: (o: Record<string, any>) => boolean): any {
  let found: any = null;
  walk(card, (o) => {
    if (!found && typeof o.type === "string" && o.type.startsWith("Action.") && pred(o)) found = o;
  });
  return found;
}

/** The Action.Submit button titled `title`, or null. */
export function findSubmit(card: unknown, title: string): any {
  return findAction(card, (o) => o.type === "Action.Submit" && o.title === title);
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

/** What Teams sends when the button titled `title` is pressed after typing `fill` into the card's
 *  inputs: the inputs' values (unless the button associates none) merged with the button's data.
 *  Null when the card has no such button. */
export function submitValue(card: unknown, title: string, fill: Record<string, string> = {}): Record<string, unknown> | null {
  const action = findSubmit(card, title);
  if (!action) return null;
  const inputs = action.associatedInputs === "none" ? {} : { ...inputValues(card), ...fill };
  return { ...inputs, ...action.data };
}

/** All the text of a card (TextBlocks, facts, action titles), to assert on what a person reads. */
export function cardText(card: unknown): string {
  const out: string[] = [];
  walk(card, (o) => {
    for (const key of ["text", "title", "label", "value", "placeholder", "errorMessage"]) if (typeof o[key] === "string") out.push(o[key]);
  });
  return out.join("\n");
}
