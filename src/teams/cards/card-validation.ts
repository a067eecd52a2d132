import * as AC from "adaptivecards";
import { EXECUTE_VERBS, SUBMIT_ACTIONS } from "./card-verbs.js";

/** Checks a rendered Adaptive Card (after templating) against what Teams accepts and what the bot
 *  handles. Returns one readable line per problem; an empty list means the card is fine.
 *  Used by the tests for every template and sample; cheap enough to call in development. */

export type CardValidationOptions = {
  /** Highest card version the host renders. Teams: 1.5. */
  targetVersion?: "1.0" | "1.1" | "1.2" | "1.3" | "1.4" | "1.5" | "1.6";
  /** Upper bound of the serialized card, in bytes. Teams refuses messages over about 28 KB. */
  maxBytes?: number;
  executeVerbs?: readonly string[];
  submitActions?: readonly string[];
};

export const MAX_CARD_BYTES = 28 * 1024;

const VERSIONS: Record<NonNullable<CardValidationOptions["targetVersion"]>, AC.Version> = {
  "1.0": AC.Versions.v1_0,
  "1.1": AC.Versions.v1_1,
  "1.2": AC.Versions.v1_2,
  "1.3": AC.Versions.v1_3,
  "1.4": AC.Versions.v1_4,
  "1.5": AC.Versions.v1_5,
  "1.6": AC.Versions.v1_6,
};

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Visits every object of the card with its JSON path (e.g. `body[2].actions[0]`). */
function walk(node: unknown, at: string, visit: (obj: Record<string, unknown>, at: string) => void): void {
  if (Array.isArray(node)) node.forEach((item, i) => walk(item, `${at}[${i}]`, visit));
  else if (isObject(node)) {
    visit(node, at);
    for (const [k, v] of Object.entries(node)) walk(v, at ? `${at}.${k}` : k, visit);
  }
}

/** Properties the adaptivecards parser reads as strings: any other JSON type is dropped without a
 *  word (a toggle shows unchecked, a TextBlock shows nothing). Templating turns "${n}" into a
 *  number or a boolean when the data holds one, so they are worth checking after rendering. */
const INPUT_TEXTS = ["value", "label", "placeholder", "errorMessage"];
const STRING_PROPERTIES: Record<string, string[]> = {
  TextBlock: ["text"],
  TextRun: ["text"],
  "Input.Text": INPUT_TEXTS,
  "Input.Date": INPUT_TEXTS,
  "Input.Time": INPUT_TEXTS,
  "Input.ChoiceSet": INPUT_TEXTS,
  "Input.Number": ["label", "placeholder", "errorMessage"],
  "Input.Toggle": [...INPUT_TEXTS, "title", "valueOn", "valueOff"],
};
/** Objects without a `type`: facts of a FactSet, choices of an Input.ChoiceSet. */
const STRING_ITEMS: Record<string, { list: string; properties: string[] }> = {
  FactSet: { list: "facts", properties: ["title", "value"] },
  "Input.ChoiceSet": { list: "choices", properties: ["title", "value"] },
};

function stringProblems(obj: Record<string, unknown>, properties: string[], at: string): string[] {
  return properties
    .filter((k) => k in obj && obj[k] !== undefined && typeof obj[k] !== "string")
    .map(
      (k) =>
        `${at}.${k}: expected a string, got ${obj[k] === null ? "null" : typeof obj[k]} ${JSON.stringify(obj[k])}` +
        " (the renderer ignores it; pass a string in the data)",
    );
}

function describe(source: unknown): string {
  const s = source as { getJsonTypeName?: () => string; id?: string } | undefined;
  const type = s?.getJsonTypeName?.() ?? "card";
  return s?.id ? `${type} "${s.id}"` : type;
}

export function validateCard(json: unknown, opts: CardValidationOptions = {}): string[] {
  const target = VERSIONS[opts.targetVersion ?? "1.5"];
  const maxBytes = opts.maxBytes ?? MAX_CARD_BYTES;
  const executeVerbs = opts.executeVerbs ?? EXECUTE_VERBS;
  const submitActions = opts.submitActions ?? SUBMIT_ACTIONS;
  const problems: string[] = [];

  if (!isObject(json) || json.type !== "AdaptiveCard") {
    return [`not an Adaptive Card: the root needs "type": "AdaptiveCard"`];
  }

  // Declared version: present, well formed, not newer than the host.
  const declared = typeof json.version === "string" ? AC.Version.parse(json.version, new AC.SerializationContext()) : undefined;
  if (!declared || !declared.isValid) problems.push(`version: "${String(json.version ?? "")}" is not a valid card version`);
  else if (declared.compareTo(target) > 0) problems.push(`version: ${declared.toString()} is newer than ${target.toString()}, the highest that Teams renders`);

  // The adaptivecards object model: unknown types, invalid values, features above the target.
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(target);
  card.parse(json, context);
  for (let i = 0; i < context.eventCount; i++) {
    const e = context.getEventAt(i);
    problems.push(`parse: ${AC.ValidationEvent[e.event]} in ${describe(e.source)}: ${e.message}`);
  }
  for (const e of card.validateProperties().validationEvents) {
    problems.push(`validate: ${AC.ValidationEvent[e.event]} in ${describe(e.source)}: ${e.message}`);
  }

  // What the library does not know: our closed verb lists, unique inputs, templating leftovers.
  const inputIds = new Map<string, string>();
  walk(json, "", (obj, at) => {
    const type = obj.type;
    if (typeof type === "string") {
      problems.push(...stringProblems(obj, STRING_PROPERTIES[type] ?? (type.startsWith("Action.") ? ["title"] : []), at || "card"));
      if ("id" in obj && typeof obj.id !== "string") problems.push(...stringProblems(obj, ["id"], at || "card"));
      const items = STRING_ITEMS[type];
      const list = items ? obj[items.list] : undefined;
      if (items && Array.isArray(list)) {
        list.forEach((item, i) => {
          if (isObject(item)) problems.push(...stringProblems(item, items.properties, `${at}.${items.list}[${i}]`));
        });
      }
    }
    if (type === "Action.Execute") {
      if (typeof obj.verb !== "string" || !executeVerbs.includes(obj.verb)) {
        problems.push(`${at}: Action.Execute verb ${JSON.stringify(obj.verb ?? null)} is not in EXECUTE_VERBS`);
      }
    } else if (type === "Action.Submit") {
      const action = isObject(obj.data) ? obj.data.action : undefined;
      if (typeof action !== "string" || !submitActions.includes(action)) {
        problems.push(`${at}: Action.Submit data.action ${JSON.stringify(action ?? null)} is not in SUBMIT_ACTIONS`);
      }
    } else if (typeof type === "string" && type.startsWith("Input.")) {
      if (obj.id === undefined || obj.id === null || obj.id === "") problems.push(`${at}: ${type} has no id`);
      else if (typeof obj.id !== "string") {
        // Already reported as a property that is not a string.
      } else if (inputIds.has(obj.id)) problems.push(`${at}: input id "${obj.id}" is already used at ${inputIds.get(obj.id)}`);
      else inputIds.set(obj.id, at);
    }
    for (const [k, v] of Object.entries(obj)) {
      if (typeof v === "string" && /\$\{[^}]*\}/.test(v)) {
        problems.push(`${at ? `${at}.` : ""}${k}: template expression left unexpanded: ${JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v)}`);
      }
      if (k === "$data" || k === "$when") problems.push(`${at ? `${at}.` : ""}${k}: templating keyword left in the rendered card`);
    }
  });

  const bytes = Buffer.byteLength(JSON.stringify(json as Json), "utf8");
  if (bytes >= maxBytes) problems.push(`size: the card is ${bytes} bytes, over the ${maxBytes}-byte limit of a Teams message`);

  return problems;
}
