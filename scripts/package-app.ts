import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { AppManifestUtils } from "@microsoft/app-manifest";
import JSZip from "jszip";
import { PNG } from "pngjs";
import { ConfigError, loadConfig } from "../src/config.js";

/** Builds the Teams app package: manifest/manifest.json with its placeholders filled, the English
 *  localisation file and the two icons, zipped flat into build/appPackage.zip.
 *
 *  npm run package                              bot id from MicrosoftAppId (through src/config.ts)
 *  npm run package -- --host repere.example.fr  also the public host (validDomains, developer URLs)
 *  npm run package -- --out other/path.zip */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const MANIFEST_DIR = path.join(ROOT, "manifest");
export const DEFAULT_OUT_FILE = path.join(ROOT, "build", "appPackage.zip");

/** The files of the package, flat at the root of the zip, as Teams expects. */
export const PACKAGE_FILES = ["manifest.json", "en.json", "color.png", "outline.png"] as const;

/** Host used in the developer URLs when no public host is given (a reserved, never-resolving
 *  name). validDomains is left empty in that case. */
export const NO_HOST = "repere.invalid";

export const ICON_SIZES = { "color.png": 192, "outline.png": 32 } as const;

/** A refusal: the message is one line meant for the person running the command. */
export class PackageError extends Error {
  override name = "PackageError";
}

export type PackageOptions = {
  /** Environment to read the bot id from (through loadConfig). */
  env: NodeJS.ProcessEnv;
  /** Public host name of the bot (e.g. repere.ac-exemple.fr), or an https URL on it. */
  publicHost?: string;
  outFile?: string;
  manifestDir?: string;
  /** App version (manifest `version`); defaults to package.json's. */
  appVersion?: string;
};

export type PackageResult = {
  file: string;
  manifest: Record<string, unknown>;
  files: string[];
  warnings: string[];
};

/** The bot id, read through src/config.ts so that the rules (GUID) stay in one place. Packaging
 *  does not need the secret, and unrelated variables (database, port...) must not block it: only
 *  the bot's variables are handed over, with the password marked as not needed. */
export function botIdFrom(env: NodeJS.ProcessEnv): string {
  const botVariables: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith("MicrosoftApp")));
  if ((botVariables.MicrosoftAppPassword ?? "").trim() === "") botVariables.MicrosoftAppPassword = "not-needed-to-package";
  let appId: string | undefined;
  try {
    appId = loadConfig(botVariables).bot.appId;
  } catch (e) {
    if (e instanceof ConfigError) throw new PackageError(`Cannot build the Teams app package: ${e.problems.join("; ")}`);
    throw e;
  }
  if (!appId) {
    throw new PackageError(
      "Cannot build the Teams app package: MicrosoftAppId is not set; set it to the bot's Microsoft app id (a GUID, from the Azure Bot resource) and run again.",
    );
  }
  return appId.toLowerCase();
}

const HOST_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/i;

/** Accepts "repere.example.fr" or "https://repere.example.fr/anything"; returns the host name. */
export function normaliseHost(value: string): string {
  let host = value.trim();
  if (host.includes("://")) {
    let url: URL;
    try {
      url = new URL(host);
    } catch {
      throw new PackageError(`Cannot build the Teams app package: --host "${value}" is not a host name nor a URL`);
    }
    if (url.protocol !== "https:") throw new PackageError(`Cannot build the Teams app package: --host "${value}" must use https`);
    host = url.hostname;
  }
  if (!HOST_NAME.test(host)) {
    throw new PackageError(`Cannot build the Teams app package: --host "${value}" is not a public host name (such as repere.ac-exemple.fr)`);
  }
  return host.toLowerCase();
}

/** Replaces `${{NAME}}` placeholders; an unknown placeholder is a refusal. */
export function fillPlaceholders(text: string, values: Record<string, string>): string {
  const unknown = new Set<string>();
  const filled = text.replace(/\$\{\{\s*([A-Z0-9_]+)\s*\}\}/g, (whole, name: string) => {
    const v = values[name];
    if (v === undefined) {
      unknown.add(name);
      return whole;
    }
    // Values land inside JSON strings: escape them as JSON would.
    return JSON.stringify(v).slice(1, -1);
  });
  if (unknown.size > 0) {
    throw new PackageError(`Cannot build the Teams app package: manifest placeholder(s) with no value: ${[...unknown].join(", ")}`);
  }
  return filled;
}

/** Format and size of the icons; the outline must be white on transparent. */
export function iconProblems(files: Record<string, Buffer>): string[] {
  const problems: string[] = [];
  for (const [name, size] of Object.entries(ICON_SIZES)) {
    const buf = files[name];
    if (!buf) {
      problems.push(`${name}: missing`);
      continue;
    }
    let png: PNG;
    try {
      png = PNG.sync.read(buf);
    } catch (e) {
      problems.push(`${name}: not a PNG (${(e as Error).message})`);
      continue;
    }
    if (png.width !== size || png.height !== size) problems.push(`${name}: ${png.width}x${png.height}, expected ${size}x${size}`);
    if (name === "outline.png") {
      let transparent = 0;
      let coloured = 0;
      for (let i = 0; i < png.data.length; i += 4) {
        const [r, g, b, a] = [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!, png.data[i + 3]!];
        if (a === 0) transparent++;
        else if (r !== 255 || g !== 255 || b !== 255) coloured++;
      }
      if (coloured > 0) problems.push(`outline.png: ${coloured} visible pixel(s) are not white`);
      if (transparent === 0) problems.push("outline.png: the background must be transparent");
    }
  }
  return problems;
}

const SCHEMA_URL_PREFIX = "https://developer.microsoft.com/json-schemas/teams/";

/** Schema validation of the manifest, offline (@microsoft/app-manifest bundles the schemas);
 *  returns one line per problem. */
export async function manifestProblems(manifest: Record<string, unknown>): Promise<string[]> {
  return (await AppManifestUtils.validateAgainstSchema(manifest as never)).map((p) => `manifest.json${p}`);
}

/** Schema validation of a localisation file. The bundled localisation schemas hold two patterns
 *  that are invalid as unicode regular expressions (a lone "]" after "\b"), which makes
 *  validateAgainstSchema throw; the schema is loaded from the package and those "]" escaped. */
export async function localisationProblems(localisation: Record<string, unknown>, file = "en.json"): Promise<string[]> {
  const url = String(localisation.$schema ?? "");
  if (!url.startsWith(SCHEMA_URL_PREFIX) || !url.endsWith("/MicrosoftTeams.Localization.schema.json")) {
    return [`${file}: $schema must be a Teams localisation schema URL (${SCHEMA_URL_PREFIX}v1.xx/MicrosoftTeams.Localization.schema.json)`];
  }
  const require = createRequire(import.meta.url);
  let raw: string;
  try {
    raw = readFileSync(require.resolve(`@microsoft/app-manifest/build/json-schemas/teams/${url.slice(SCHEMA_URL_PREFIX.length)}`), "utf8");
  } catch {
    return [`${file}: no bundled schema for ${url}`];
  }
  const schema = JSON.parse(raw.replace(/\\a/g, "\\u0007").replace(/\\v/g, "\\u000b")) as { patternProperties?: Record<string, unknown> };
  if (schema.patternProperties) {
    schema.patternProperties = Object.fromEntries(
      Object.entries(schema.patternProperties).map(([pattern, rule]) => {
        try {
          new RegExp(pattern, "u");
          return [pattern, rule];
        } catch {
          return [pattern.replace(/\\b\]/g, "\\b\\]"), rule];
        }
      }),
    );
  }
  return (await AppManifestUtils.validateAgainstSchema(localisation as never, schema as never)).map((p) => `${file}${p}`);
}

function readPackageVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version?: string };
  return pkg.version ?? "1.0.0";
}

export async function buildAppPackage(opts: PackageOptions): Promise<PackageResult> {
  const dir = opts.manifestDir ?? MANIFEST_DIR;
  const outFile = path.resolve(opts.outFile ?? DEFAULT_OUT_FILE);
  const warnings: string[] = [];

  const botId = botIdFrom(opts.env);
  const host = opts.publicHost ? normaliseHost(opts.publicHost) : undefined;
  if (!host) {
    warnings.push(
      `no public host given: validDomains is empty and the developer URLs point to https://${NO_HOST}/; pass --host <bot host> for a package to distribute`,
    );
  }

  const read = (name: string) => {
    try {
      return readFileSync(path.join(dir, name));
    } catch {
      throw new PackageError(`Cannot build the Teams app package: ${path.join(dir, name)} is missing`);
    }
  };

  const manifestText = fillPlaceholders(read("manifest.json").toString("utf8"), {
    BOT_ID: botId,
    APP_VERSION: opts.appVersion ?? readPackageVersion(),
    PUBLIC_HOST: host ?? NO_HOST,
  });
  const manifest = JSON.parse(manifestText) as Record<string, unknown>;
  if (Array.isArray(manifest.validDomains)) manifest.validDomains = manifest.validDomains.filter((d) => d !== NO_HOST);
  // Case links unfurl only on the bot's own host: without one, no link handler.
  if (!host && Array.isArray(manifest.composeExtensions)) {
    for (const extension of manifest.composeExtensions as { messageHandlers?: unknown }[]) delete extension.messageHandlers;
  }

  const localisation = JSON.parse(fillPlaceholders(read("en.json").toString("utf8"), {})) as Record<string, unknown>;

  const schemaProblems = [...(await manifestProblems(manifest)), ...(await localisationProblems(localisation))];
  if (schemaProblems.length > 0) {
    throw new PackageError(`Cannot build the Teams app package: the manifest does not validate: ${schemaProblems.join("; ")}`);
  }

  const icons = { "color.png": read("color.png"), "outline.png": read("outline.png") };
  const iconIssues = iconProblems(icons);
  if (iconIssues.length > 0) throw new PackageError(`Cannot build the Teams app package: ${iconIssues.join("; ")}`);

  // A fixed date keeps the zip identical from one build to the next.
  const date = new Date(Date.UTC(2026, 0, 1));
  const zip = new JSZip();
  zip.file("manifest.json", `${JSON.stringify(manifest, null, 2)}\n`, { date });
  zip.file("en.json", `${JSON.stringify(localisation, null, 2)}\n`, { date });
  zip.file("color.png", icons["color.png"], { date, binary: true });
  zip.file("outline.png", icons["outline.png"], { date, binary: true });
  const content = await zip.generateAsync({ type: "nodebuffer", compression: "DEFLATE", compressionOptions: { level: 9 } });

  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, content);
  return { file: outFile, manifest, files: [...PACKAGE_FILES], warnings };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { host: { type: "string" }, out: { type: "string" } },
    allowPositionals: false,
  });
  // The environment is interpreted by src/config.ts (loadConfig), as everywhere else.
  const result = await buildAppPackage({ env: process.env, publicHost: values.host, outFile: values.out });
  for (const w of result.warnings) console.warn(`warning: ${w}`);
  const m = result.manifest as { manifestVersion?: string; version?: string; id?: string };
  console.log(
    `wrote ${path.relative(process.cwd(), result.file)} (manifest ${m.manifestVersion}, app version ${m.version}, bot ${m.id}): ${result.files.join(", ")}`,
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    // A refusal or a bad argument is one line, without a stack trace.
    const message = e instanceof PackageError ? e.message : `Cannot build the Teams app package: ${(e as Error)?.message ?? String(e)}`;
    console.error(message);
    process.exit(1);
  });
}
