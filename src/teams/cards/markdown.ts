/** Teams renders Markdown in a card's TextBlocks and facts: a class or an observation written as
 *  `[x](https://e.x)` became a clickable link on the channel card. Every text a card shows is
 *  escaped (CommonMark backslash escapes), so that it reads exactly as it was typed; the bot's own
 *  texts use no Markdown. */

// Inline syntax: emphasis, links and images, code, strikethrough, and the backslash itself.
const INLINE = /[\\*_[\]`~]/g;
// An autolink or an HTML-like tag: "<" before a letter, "/", "!" or "?" ("< 5" is left alone).
const ANGLE = /<(?=[A-Za-z/!?])/g;
// Block syntax at the start of a line: heading, quote, list item (bullet or number).
const LINE_START = /^([ \t]{0,3})(#|>|[-+](?=[ \t]|$)|\d{1,9}(?=[.)](?:[ \t]|$)))/gm;

// Whether a text holds anything the three replacements below would touch (most texts do not).
const ANY_SYNTAX = /[\\*_[\]`~<]|^[ \t]{0,3}[#>+\-\d]/m;

export function escapeMarkdown(text: string): string {
  if (!ANY_SYNTAX.test(text)) return text;
  return text
    .replace(INLINE, "\\$&")
    .replace(ANGLE, "\\<")
    .replace(LINE_START, (_all, indent: string, marker: string) => (/^\d/.test(marker) ? `${indent}${marker}\\` : `${indent}\\${marker}`));
}
