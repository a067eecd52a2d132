import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { directoryFileKindOf, parseDirectoryHint, singleAcademyOf } from "../../src/domain/directory/index.js";

/** Which directory file an admin sent to the bot, from its columns or the words sent with it. */

const SAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../data/samples");
const rows = (name: string) =>
  readFileSync(path.join(SAMPLES, name), "utf8")
    .trimEnd()
    .split("\n")
    .map((l) => l.split(";"));

describe("a directory file told by its columns", () => {
  it.each([
    ["annuaire-education.csv", "schools"],
    ["bassins.csv", "bassins"],
    ["personnels.csv", "people"],
  ])("%s is the %s file", (file, kind) => {
    expect(directoryFileKindOf(rows(file))).toBe(kind);
  });

  it("knows the « Adresse et géolocalisation » layout and a staff list with an UPN", () => {
    expect(directoryFileKindOf([["numero_uai", "appellation_officielle", "nature_uai", "libelle_nature", "code_academie"]])).toBe("schools");
    expect(directoryFileKindOf([["NOM", "PRENOM", "UPN", "FONCTION", "UAI"]])).toBe("people");
  });

  it("leaves a campaign list (pupils) to the campaign import", () => {
    expect(directoryFileKindOf([["Nom", "Prénom", "Date de naissance", "UAI", "INE"]])).toBeNull();
    expect(directoryFileKindOf([["NOM", "PRENOM", "DATE NAISSANCE", "UAI ETABLISSEMENT", "FORMATION", "MOTIF"]])).toBeNull();
  });
});

describe("the words sent with a file", () => {
  it.each([
    ["annuaire académie 10", { kind: "schools", academy: "10" }],
    ["Annuaire Academie 010", { kind: "schools", academy: "10" }],
    ["annuaire 8", { kind: "schools", academy: "08" }],
    ["personnels", { kind: "people", academy: null }],
    ["liste du personnel", { kind: "people", academy: null }],
    ["bassins", { kind: "bassins", academy: null }],
    ["annuaire et bassins académie 10", { kind: null, academy: "10" }],
    ["voici la liste", { kind: null, academy: null }],
  ])("« %s »", (text, hint) => {
    expect(parseDirectoryHint(text)).toEqual(hint);
  });
});

describe("the académie of a directory file", () => {
  it("is its code_academie when every row names the same one", () => {
    const [header, ...data] = rows("annuaire-education.csv");
    expect(singleAcademyOf([header!, ...data.filter((r) => r[11] === "10")])).toBe("10");
  });

  it("is unknown when the file covers several académies, or has no académie column", () => {
    expect(singleAcademyOf(rows("annuaire-education.csv"))).toBeNull();
    expect(singleAcademyOf(rows("bassins.csv"))).toBeNull();
  });
});
