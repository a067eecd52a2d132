import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** What people type comes back in texts (« Je n'ai pas compris « … » », a school's name, a note).
 *  i18next's nesting pattern ($t(key)) backtracks exponentially on an unclosed "$t(": one message
 *  held the bot at full CPU for good. In a child process, so that a regression fails in bounded
 *  time instead of stopping the test run. */
describe("texts with what people typed in them", () => {
  it("come back at once with an unclosed « $t( », as typed, in both languages", () => {
    const script = `
      import { translator } from "./src/teams/i18n.ts";
      const typed = "$t(" + "une absence ".repeat(8);
      for (const lang of ["fr", "en"]) process.stdout.write(translator(lang)("hint.unknown", { text: typed }) + "\\n");
    `;
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: ROOT, encoding: "utf8", timeout: 30_000 });
    expect(r.signal, "the translation did not finish within 30 s").toBeNull();
    const [fr, en] = r.stdout.trim().split("\n");
    expect(fr).toContain(`« $t(${"une absence ".repeat(8)} ».`);
    expect(en).toContain(`“$t(${"une absence ".repeat(8)}”.`);
  }, 40_000);
});
