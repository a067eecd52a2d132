import { describe, expect, it } from "vitest";
import { parseQuery } from "../../src/domain/query-parser.js";

/** Text pasted from Teams, Word or a right-to-left keyboard carries invisible characters: marks,
 *  zero-width spaces, bidirectional controls, stray control characters. A command reads the same
 *  with them as without them. */
describe("commands with invisible characters", () => {
  it.each([
    ["\u200Fstatut D-2026-0001", { kind: "statusByReference", reference: "D-2026-0001" }],
    ["statut D-2026-0001\u200F", { kind: "statusByReference", reference: "D-2026-0001" }],
    ["statut D-2026-\u200B0001", { kind: "statusByReference", reference: "D-2026-0001" }],
    ["\u202Bstatut Dupont\u202C", { kind: "statusByName", name: "Dupont" }],
    ["statut Du\u200Bpont", { kind: "statusByName", name: "Dupont" }],
    ["historique\u2066 D-2026-0042\u2069", { kind: "history", reference: "D-2026-0042" }],
    ["aide\u0000", { kind: "help" }],
    ["\uFEFFà traiter", { kind: "toDo" }],
  ])("%j", (text, expected) => {
    expect(parseQuery(text)).toEqual(expected);
  });
});
