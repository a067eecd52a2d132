/** Which hosts the bot may download a file from (a list sent to it in Teams). The server fetches
 *  what a message names: without a list, anyone could make it read its own network (SSRF). */

/** Where Teams keeps the files people send to a bot in personal chat: their OneDrive for Business,
 *  `https://<tenant>-my.sharepoint.com/personal/…/download.aspx?…` (Microsoft Teams platform docs,
 *  "Send and receive files using bot"; bots receive no files in GCC High, DoD or 21Vianet). */
export const TEAMS_FILE_HOSTS = ["*.sharepoint.com"] as const;

const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
// The last label is a top-level domain (letters, or an IDN's xn--): an IP address is not a host name.
const HOST_PATTERN = new RegExp(`^(?:\\*\\.)?${LABEL}(?:\\.${LABEL})*\\.(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$`);

/** A host pattern: an exact host name (`files.ac-exemple.fr`) or `*.` and a domain of at least
 *  two labels (`*.sharepoint.com`: any host under it, not the domain itself). */
export function isHostPattern(pattern: string): boolean {
  return HOST_PATTERN.test(pattern);
}

/** The patterns of a comma-separated list, lower-cased; the ones that are not patterns apart. */
export function parseHostPatterns(text: string): { patterns: string[]; invalid: string[] } {
  const items = text
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  return { patterns: items.filter(isHostPattern), invalid: items.filter((s) => !isHostPattern(s)) };
}

/** Whether a URL's host name is one of the patterns. */
export function hostAllowed(host: string, patterns: readonly string[]): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  return patterns.some((p) => (p.startsWith("*.") ? h.endsWith(p.slice(1)) && h.length > p.length - 1 : h === p));
}
