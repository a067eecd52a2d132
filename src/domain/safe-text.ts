/* eslint-disable no-control-regex -- this module exists to find control characters. */
import { z } from "zod";

/** Text as it may cross a boundary (Teams activities, card inputs, CSV files, plan forms): without
 *  the control characters that nobody types. U+0000 in particular: PostgreSQL refuses it in `text`
 *  and `jsonb`, so one such character in a name or a note failed the statement that stored it.
 *  Tab and line breaks are kept where a text may hold several lines; elsewhere they become spaces. */

// C0 controls but tab, line feed and carriage return; DEL; C1 controls.
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
const ANY_CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
// Bidirectional embeddings, overrides and isolates turn a displayed text around ("Trojan Source");
// nobody needs them in a name, a note or a class.
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;
// Zero-width and bidirectional marks, BOM, soft hyphen...: every invisible format character.
const FORMAT_CHARACTERS = /\p{Cf}/gu;

export type CleanTextOptions = {
  /** Keep tab and line breaks (a note, an observation); otherwise each run becomes one space. */
  lines?: boolean;
};

/** The text without control characters (see above). */
export function cleanText(s: string, opts: CleanTextOptions = {}): string {
  const cleaned = s.replace(CONTROLS, "").replace(BIDI_CONTROLS, "");
  return opts.lines ? cleaned.replace(/\r\n?/g, "\n") : cleaned.replace(/[\t\n\r]+/g, " ");
}

/** Whether the text holds a control character other than tab and line breaks. */
export function hasControlCharacters(s: string): boolean {
  return ANY_CONTROL.test(s);
}

/** What a command is read from: no control nor invisible format character at all (a right-to-left
 *  mark pasted before « statut » made the command unknown). */
export function commandText(s: string): string {
  return cleanText(s).replace(FORMAT_CHARACTERS, "");
}

export type SafeTextOptions = CleanTextOptions & {
  max?: number;
  min?: number;
  /** "strip" (default): control characters are removed. "refuse": the text is refused with the
   *  message "CONTROL_CHARACTER" (a CSV cell holding one is a row error, not a silent change). */
  controls?: "strip" | "refuse";
  /** Error messages of the length checks (import rows use codes). */
  messages?: { min?: string; max?: string };
};

/**
 * The one schema for a text crossing a boundary: a string, control characters removed (or refused),
 * trimmed, within its lengths. Use it for every field a person or a file can fill.
 */
export function safeText(opts: SafeTextOptions = {}) {
  let checked = z.string();
  if (opts.min !== undefined) checked = checked.min(opts.min, opts.messages?.min);
  if (opts.max !== undefined) checked = checked.max(opts.max, opts.messages?.max);
  const base = opts.controls === "refuse" ? z.string().refine((s) => !hasControlCharacters(s), "CONTROL_CHARACTER") : z.string();
  return base.transform((s) => cleanText(s, opts).trim()).pipe(checked);
}

// What cleanText would change (carriage returns included: it turns them into line feeds).
const TO_CLEAN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\r]/;

/** Every string inside a JSON value, cleaned (tab and line breaks kept: which field may hold
 *  several lines is for its own schema to say). For payloads read as a whole: activities, card data.
 *  Arrays and objects are changed in place (they are the payload's own, just parsed): an activity
 *  with nothing to clean costs one regular-expression test per string. */
export function cleanStrings(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return TO_CLEAN.test(value) ? cleanText(value, { lines: true }) : value;
  if (depth > 32 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = cleanStrings(value[i], depth + 1);
    return value;
  }
  const o = value as Record<string, unknown>;
  let keysToClean = false;
  for (const key of Object.keys(o)) {
    if (TO_CLEAN.test(key)) keysToClean = true;
    const v = o[key];
    const cleaned = cleanStrings(v, depth + 1);
    if (cleaned !== v) o[key] = cleaned;
  }
  if (!keysToClean) return o;
  const out: Record<string, unknown> = {};
  // defineProperty: a "__proto__" key (JSON.parse makes it an own property) stays a plain key.
  for (const [k, v] of Object.entries(o))
    Object.defineProperty(out, cleanText(k, { lines: true }), { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

/** A JSON payload with every string cleaned, as a zod schema to pipe into the payload's own. */
export const cleanPayload = z.unknown().transform((v) => cleanStrings(v));
