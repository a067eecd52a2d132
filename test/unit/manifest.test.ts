import { parseCallCommand } from "../../src/domain/call-campaign.js";
import { parseQuery } from "../../src/domain/query-parser.js";
import { translator } from "../../src/teams/i18n.js";
import { SEARCH_COMMAND_ID, SEARCH_PARAMETER, caseLink, caseLinkTarget, referenceOfLink } from "../../src/teams/extensions/case-search.js";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import JSZip from "jszip";
import { PNG } from "pngjs";
import { afterAll, describe, expect, it } from "vitest";
import { drawColorIcon, drawOutlineIcon } from "../../scripts/make-icons.js";
import {
  MANIFEST_DIR,
  PACKAGE_FILES,
  PackageError,
  buildAppPackage,
  fillPlaceholders,
  iconProblems,
  localisationProblems,
  manifestProblems,
} from "../../scripts/package-app.js";

const ROOT = path.resolve(MANIFEST_DIR, "..");
const BOT_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
const HOST = "repere.ac-exemple.fr";

const rawManifest = readFileSync(path.join(MANIFEST_DIR, "manifest.json"), "utf8");
const localisation = JSON.parse(readFileSync(path.join(MANIFEST_DIR, "en.json"), "utf8")) as Record<string, unknown>;

type Manifest = {
  manifestVersion: string;
  id: string;
  validDomains?: string[];
  localizationInfo: { defaultLanguageTag: string; additionalLanguages: { languageTag: string; file: string }[] };
  description: { short: string; full: string };
  composeExtensions?: {
    botId: string;
    commands: { id: string; type: string; title: string; context: string[]; parameters: { name: string; title: string }[] }[];
    messageHandlers?: { type: string; value: { domains: string[] } }[];
  }[];
  bots: {
    botId: string;
    scopes: string[];
    supportsFiles?: boolean;
    commandLists: { scopes: string[]; commands: { title: string; description: string }[] }[];
  }[];
};

/** What the bot makes of a command title, in the order it reads a message (src/teams/message-commands.ts
 *  messageKind): the call-campaign commands, then the query parser. */
function understood(title: string): string {
  return parseCallCommand(title)?.kind ?? parseQuery(title).kind;
}

function filledManifest(): Manifest {
  return JSON.parse(fillPlaceholders(rawManifest, { BOT_ID, APP_VERSION: "1.2.3", PUBLIC_HOST: HOST })) as Manifest;
}

const tmp = mkdtempSync(path.join(tmpdir(), "repere-package-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("manifest/manifest.json", () => {
  it("uses placeholders for the bot id, never a real id", () => {
    expect(rawManifest).toContain("${{BOT_ID}}");
    expect(rawManifest).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i);
  });

  it("is on manifest schema v1.19 or newer", () => {
    const [major, minor] = filledManifest().manifestVersion.split(".").map(Number);
    expect(major).toBe(1);
    expect(minor).toBeGreaterThanOrEqual(19);
  });

  it("validates offline against its schema once filled", async () => {
    expect(await manifestProblems(filledManifest() as unknown as Record<string, unknown>)).toEqual([]);
  });

  it("declares the search « Rechercher un dossier » the bot answers, and the case links it unfurls", () => {
    const m = filledManifest();
    const [extension] = m.composeExtensions ?? [];
    expect(extension?.botId).toBe(BOT_ID);
    const search = extension!.commands.find((c) => c.id === SEARCH_COMMAND_ID)!;
    expect(search.type).toBe("query");
    expect(search.title).toBe("Rechercher un dossier");
    expect(search.parameters.map((p) => p.name)).toEqual([SEARCH_PARAMETER]);
    expect(search.context).toContain("compose");
    expect(extension!.messageHandlers).toEqual([{ type: "link", value: { domains: [HOST] } }]);
    // The link the bot gives and unfurls is on that domain.
    expect(referenceOfLink(caseLink(`https://${HOST}`, "D-2026-0042"), `https://${HOST}`)).toBe("D-2026-0042");
    expect(localisation["composeExtensions[0].commands[0].title"]).toBe("Find a case");
    // Opened in a browser, the link leads to the app's tab in Teams, the case as its sub-entity.
    const tab = (m as unknown as { staticTabs: { entityId: string }[] }).staticTabs[0]!.entityId;
    expect(caseLinkTarget("D-2026-0042", BOT_ID)).toBe(
      `https://teams.microsoft.com/l/entity/${BOT_ID}/${tab}?context=${encodeURIComponent('{"subEntityId":"D-2026-0042"}')}`,
    );
  });

  it("the schema validation does catch mistakes", async () => {
    const m = filledManifest() as unknown as Record<string, unknown>;
    const broken = { ...m, id: "not-a-guid", bots: [{ scopes: ["everywhere"] }] };
    const problems = await manifestProblems(broken);
    expect(problems.join("\n")).toMatch(/\/id/);
    expect(problems.join("\n")).toMatch(/botId/);
    expect(problems.join("\n")).toMatch(/scopes/);
  });

  it("declares the bot in personal, team and group chat, with files, and French command lists", () => {
    const m = filledManifest();
    const bot = m.bots[0]!;
    expect(bot.botId).toBe(BOT_ID);
    expect(m.id).toBe(BOT_ID);
    expect(bot.scopes.sort()).toEqual(["groupChat", "personal", "team"]);
    expect(bot.supportsFiles).toBe(true);
    const titles = (scope: string) => bot.commandLists.filter((l) => l.scopes.includes(scope)).flatMap((l) => l.commands.map((c) => c.title));
    expect(titles("personal")).toEqual(expect.arrayContaining(["signaler", "statut", "mes fiches", "à traiter", "aide"]));
    expect(titles("team")).toEqual(expect.arrayContaining(["statut", "à traiter", "aide"]));
    // Each title is a command the bot understands (« statut » asks for the case: see the bot tests).
    for (const title of [...titles("personal"), ...titles("team")].filter((x) => x !== "statut")) expect(understood(title), title).not.toBe("unknown");
    // The MLDS coordinators' call campaign and PSAD export: in the personal chat only (the list
    // shows phone numbers, the link is the caller's own).
    expect(titles("personal")).toEqual(expect.arrayContaining(["campagne d'appels", "export psad"]));
    expect(understood("campagne d'appels")).toBe("callList");
    expect(understood("export psad")).toBe("exportPsad");
    expect(titles("team")).not.toEqual(expect.arrayContaining(["campagne d'appels"]));
    expect(titles("team")).not.toEqual(expect.arrayContaining(["export psad"]));
    // Teams shows at most 10 commands per list.
    for (const list of bot.commandLists) expect(list.commands.length).toBeLessThanOrEqual(10);
    expect(m.validDomains).toEqual([HOST]);
    expect(m.description.short).toMatch(/décrochage/);
  });

  it("has the personal tab « Mes dossiers », with single sign-on for this app on the bot's own host", () => {
    const m = filledManifest() as Manifest & {
      staticTabs?: { entityId: string; name: string; contentUrl: string; scopes: string[] }[];
      webApplicationInfo?: { id: string; resource: string };
    };
    expect(m.staticTabs).toEqual([
      { entityId: "mes-dossiers", name: "Mes dossiers", contentUrl: `https://${HOST}/tab/?locale={locale}`, scopes: ["personal"] },
    ]);
    // The audience of the tab's tokens: what the server accepts (src/http/tab-auth.ts).
    expect(m.webApplicationInfo).toEqual({ id: BOT_ID, resource: `api://${HOST}/${BOT_ID}` });
    expect(localisation["staticTabs[0].name"]).toBe("My cases");
  });

  it("is in French with an English localisation file that validates", async () => {
    const m = filledManifest();
    expect(m.localizationInfo.defaultLanguageTag).toBe("fr");
    expect(m.localizationInfo.additionalLanguages).toEqual([{ languageTag: "en", file: "en.json" }]);
    expect(await localisationProblems(localisation)).toEqual([]);
    // Every localised command points at a command that exists.
    for (const key of Object.keys(localisation).filter((k) => k.startsWith("bots["))) {
      const [, list, command] = /^bots\[0\]\.commandLists\[(\d+)\]\.commands\[(\d+)\]\./.exec(key) ?? [];
      expect(m.bots[0]!.commandLists[Number(list)]?.commands[Number(command)], key).toBeDefined();
    }
  });

  it("gives English users the command titles the English help card names, each understood as its French twin", () => {
    const m = filledManifest();
    const t = translator("en");
    // The help card's lines (the call campaign's shows to coordinators: src/teams/cards/views.ts).
    const helpText = [
      t("help.report"),
      t("help.status"),
      t("help.mine"),
      t("help.todo"),
      t("help.overdue"),
      t("help.stats"),
      t("calls.help"),
      t("hint.unknownEmpty"),
    ].join("\n");
    m.bots[0]!.commandLists.forEach((list, l) =>
      list.commands.forEach((command, c) => {
        const english = localisation[`bots[0].commandLists[${l}].commands[${c}].title`];
        expect(typeof english, `${command.title} has an English title`).toBe("string");
        expect(understood(english as string), `${english} and ${command.title}`).toBe(understood(command.title));
        expect(helpText, `the English help names « ${english} »`).toMatch(new RegExp(`(^|\\W)${english as string}\\b`));
      }),
    );
  });

  it("the localisation validation catches unknown keys and missing strings", async () => {
    const { ["description.full"]: _dropped, ...rest } = localisation;
    const problems = await localisationProblems({ ...rest, "bots[0].commandLists[0].commands[12].title": "x", colour: "blue" });
    expect(problems.join("\n")).toMatch(/description\.full/);
    expect(problems.join("\n")).toMatch(/additional properties/);
  });
});

describe("icons", () => {
  const color = readFileSync(path.join(MANIFEST_DIR, "color.png"));
  const outline = readFileSync(path.join(MANIFEST_DIR, "outline.png"));

  it("are PNGs of 192x192 (colour) and 32x32 (outline)", () => {
    expect(color.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect(outline.subarray(1, 4).toString("latin1")).toBe("PNG");
    const c = PNG.sync.read(color);
    const o = PNG.sync.read(outline);
    expect([c.width, c.height]).toEqual([192, 192]);
    expect([o.width, o.height]).toEqual([32, 32]);
    expect(iconProblems({ "color.png": color, "outline.png": outline })).toEqual([]);
  });

  it("the outline is white on a transparent background", () => {
    const o = PNG.sync.read(outline);
    let transparent = 0;
    let white = 0;
    for (let i = 0; i < o.data.length; i += 4) {
      if (o.data[i + 3] === 0) transparent++;
      else {
        expect([o.data[i], o.data[i + 1], o.data[i + 2]]).toEqual([255, 255, 255]);
        white++;
      }
    }
    expect(transparent).toBeGreaterThan(32 * 32 * 0.3);
    expect(white).toBeGreaterThan(32 * 32 * 0.1);
  });

  it("the colour icon is opaque", () => {
    const c = PNG.sync.read(color);
    for (let i = 3; i < c.data.length; i += 4) expect(c.data[i]).toBe(255);
  });

  it("are the ones scripts/make-icons.ts draws (run `npm run icons` after changing the design)", () => {
    expect(PNG.sync.read(drawColorIcon()).data.equals(PNG.sync.read(color).data)).toBe(true);
    expect(PNG.sync.read(drawOutlineIcon()).data.equals(PNG.sync.read(outline).data)).toBe(true);
  });

  it("wrong icons are reported", () => {
    const small = PNG.sync.write(new PNG({ width: 64, height: 64 }));
    const red = new PNG({ width: 32, height: 32 });
    for (let i = 0; i < red.data.length; i += 4) red.data.set([255, 0, 0, 255], i);
    const problems = iconProblems({ "color.png": small, "outline.png": PNG.sync.write(red) });
    expect(problems).toEqual([
      "color.png: 64x64, expected 192x192",
      "outline.png: 1024 visible pixel(s) are not white",
      "outline.png: the background must be transparent",
    ]);
    expect(iconProblems({ "color.png": Buffer.from("GIF89a"), "outline.png": outline })[0]).toMatch(/^color\.png: not a PNG/);
  });
});

describe("npm run package", () => {
  it("writes a zip with exactly the manifest, the localisation file and the icons, the bot id filled in", async () => {
    const outFile = path.join(tmp, "appPackage.zip");
    const result = await buildAppPackage({
      env: { MicrosoftAppId: BOT_ID.toUpperCase(), MicrosoftAppPassword: "secret" },
      publicHost: `https://${HOST}/api/messages`,
      outFile,
    });
    expect(result.file).toBe(outFile);
    expect(result.warnings).toEqual([]);
    const zip = await JSZip.loadAsync(readFileSync(outFile));
    const names = Object.values(zip.files)
      .filter((f) => !f.dir)
      .map((f) => f.name);
    expect(names.sort()).toEqual([...PACKAGE_FILES].sort());

    const manifestText = await zip.file("manifest.json")!.async("string");
    expect(manifestText).not.toContain("${{");
    const manifest = JSON.parse(manifestText) as Manifest & Record<string, unknown>;
    expect(manifest.id).toBe(BOT_ID);
    expect(manifest.bots[0]!.botId).toBe(BOT_ID);
    expect(manifest.validDomains).toEqual([HOST]);
    expect(manifest.version).toBe(JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).version);
    expect(await manifestProblems(manifest)).toEqual([]);
    expect(await localisationProblems(JSON.parse(await zip.file("en.json")!.async("string")))).toEqual([]);
    const icons = {
      "color.png": await zip.file("color.png")!.async("nodebuffer"),
      "outline.png": await zip.file("outline.png")!.async("nodebuffer"),
    };
    expect(iconProblems(icons)).toEqual([]);
    // Every file the manifest names is in the zip.
    for (const f of [manifest.localizationInfo.additionalLanguages[0]!.file, "color.png", "outline.png"]) expect(names).toContain(f);
  });

  it("without a public host: empty validDomains, no link unfurling and a warning", async () => {
    const result = await buildAppPackage({ env: { MicrosoftAppId: BOT_ID, MicrosoftAppPassword: "secret" }, outFile: path.join(tmp, "nohost.zip") });
    expect(result.manifest.validDomains).toEqual([]);
    expect((result.manifest as unknown as Manifest).composeExtensions?.[0]?.messageHandlers).toBeUndefined();
    expect(result.warnings.join("\n")).toMatch(/no public host/);
    expect(await manifestProblems(result.manifest)).toEqual([]);
  });

  it("does not need the bot secret, nor the other variables to be right", async () => {
    const result = await buildAppPackage({ env: { MicrosoftAppId: BOT_ID, PORT: "not a port" }, outFile: path.join(tmp, "nosecret.zip") });
    expect((result.manifest as { id: string }).id).toBe(BOT_ID);
  });

  it("refuses when the bot id is missing or not a GUID", async () => {
    const outFile = path.join(tmp, "refused.zip");
    await expect(buildAppPackage({ env: {}, outFile })).rejects.toThrow(PackageError);
    await expect(buildAppPackage({ env: { MicrosoftAppId: "" }, outFile })).rejects.toThrow(/MicrosoftAppId is not set/);
    await expect(buildAppPackage({ env: { MicrosoftAppId: "repere-bot" }, outFile })).rejects.toThrow(/MicrosoftAppId must be .*GUID.*repere-bot/);
    await expect(buildAppPackage({ env: { MicrosoftAppId: BOT_ID }, publicHost: "http://insecure.example.fr", outFile })).rejects.toThrow(/https/);
    expect(existsSync(outFile)).toBe(false);
  });

  it("the command line refuses with one clear line and exit code 1", async () => {
    const tsx = path.join(ROOT, "node_modules", ".bin", "tsx");
    const env = { ...process.env, MicrosoftAppId: "" };
    const run = promisify(execFile);
    const failure = await run(tsx, ["scripts/package-app.ts", "--out", path.join(tmp, "cli.zip")], { cwd: ROOT, env }).then(
      () => undefined,
      (e: { code: number; stderr: string; stdout: string }) => e,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr.trim().split("\n")).toEqual([
      "Cannot build the Teams app package: MicrosoftAppId is not set; set it to the bot's Microsoft app id (a GUID, from the Azure Bot resource) and run again.",
    ]);
    expect(existsSync(path.join(tmp, "cli.zip"))).toBe(false);

    const ok = await run(tsx, ["scripts/package-app.ts", "--host", HOST, "--out", path.join(tmp, "cli.zip")], {
      cwd: ROOT,
      env: { ...env, MicrosoftAppId: BOT_ID },
    });
    expect(ok.stdout).toMatch(/^wrote .*cli\.zip/);
    expect(existsSync(path.join(tmp, "cli.zip"))).toBe(true);
  });
});
