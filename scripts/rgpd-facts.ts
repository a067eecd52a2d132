// `npm run docs:rgpd`: writes docs/rgpd/faits-du-produit.md from the code (scripts/lib/rgpd-facts.ts).
import { writeFileSync } from "node:fs";
import path from "node:path";
import { rgpdFactsFile } from "./lib/rgpd-facts.js";

const file = path.resolve(import.meta.dirname, "../docs/rgpd/faits-du-produit.md");
writeFileSync(file, await rgpdFactsFile(file));
console.log(`written ${file}`);
