import { describe, expect, it } from "vitest";
import { FUNCTION_ROLES, functionKey, roleOfFunction } from "../../src/domain/directory/functions.js";
import { ROLES, type Role } from "../../src/domain/roles.js";

describe("functions to roles", () => {
  // As staff lists write them: case, accents, hyphens, brackets, feminine and inclusive forms.
  it.each([
    ["professeur", "STAFF"],
    ["Professeure de mathématiques", "STAFF"],
    ["ENSEIGNANT", "STAFF"],
    ["Professeur principal", "STAFF"],
    ["PLP lettres-histoire", "STAFF"],
    ["Professeur documentaliste", "STAFF"],
    ["AED", "STAFF"],
    ["Assistante d'éducation", "STAFF"],
    ["CPE", "CPE"],
    ["cpe stagiaire", "CPE"],
    ["Conseiller principal d'éducation", "CPE"],
    ["Conseillère Principale d’Éducation", "CPE"],
    ["Principal", "HEAD"],
    ["Principale adjointe", "HEAD"],
    ["Proviseur", "HEAD"],
    ["proviseur-adjoint", "HEAD"],
    ["Chef d'établissement", "HEAD"],
    ["Directeur (EREA)", "HEAD"],
    ["Directrice d'EREA", "HEAD"],
    ["Référent décrochage", "REFERENT"],
    ["Référente décrochage scolaire", "REFERENT"],
    ["RDS", "REFERENT"],
    ["Psychologue de l'Éducation nationale", "PSYEN"],
    ["PSY-EN", "PSYEN"],
    ["Psy EN EDO", "PSYEN"],
    ["COP", "PSYEN"],
    ["Assistant(e) social(e)", "SOCIAL_WORKER"],
    ["Assistante sociale", "SOCIAL_WORKER"],
    ["Assistant·e de service social", "SOCIAL_WORKER"],
    ["ASS", "SOCIAL_WORKER"],
    ["Infirmier(ère)", "NURSE"],
    ["infirmière scolaire", "NURSE"],
    ["infirmier.e", "NURSE"],
    ["Coordonnateur MLDS", "COORDINATOR"],
    ["Coordinatrice MLDS", "COORDINATOR"],
    ["IEN-IO", "IEN_IO"],
    ["IEN IO", "IEN_IO"],
    ["DASEN", "DSDEN"],
    ["IA-DASEN", "DSDEN"],
    ["Conseiller technique", "DSDEN"],
    ["Infirmière conseillère technique", "DSDEN"],
    ["Directeur académique des services de l'éducation nationale", "DSDEN"],
    ["SAIO", "ADMIN"],
    ["CSAIO", "ADMIN"],
    ["administrateur", "ADMIN"],
    ["Administratrice Repère", "ADMIN"],
  ] as const)("%j is %s", (text, role) => {
    expect(roleOfFunction(text)).toBe(role);
  });

  // A function the table does not know is an error of the file, never a guess.
  it.each(["", "   ", "Référent", "Coordonnateur ULIS", "Administrateur réseau", "Cuisinier", "Adjoint", "MLDS", "prof"])("%j is unknown", (text) => {
    expect(roleOfFunction(text)).toBeNull();
  });

  it("lists at least one function for every role", () => {
    expect(Object.keys(FUNCTION_ROLES).sort()).toEqual([...ROLES].sort());
    for (const role of ROLES) expect(FUNCTION_ROLES[role].length, role).toBeGreaterThan(0);
  });

  it("gives each spelling of the table the role it is listed under", () => {
    for (const role of Object.keys(FUNCTION_ROLES) as Role[]) {
      for (const spelling of FUNCTION_ROLES[role]) expect(roleOfFunction(spelling), spelling).toBe(role);
    }
  });

  it("compares functions whatever their spelling", () => {
    expect(functionKey("Conseillère principale d'éducation")).toBe(functionKey("CONSEILLER PRINCIPAL D EDUCATION"));
    expect(functionKey("Infirmier(ère)")).toBe("infirmier");
    expect(functionKey("Assistant·e social·e")).toBe("assistant social");
  });
});
