// After tsc: the JSON files read at run time from beside the code (texts per feature, host config).
import { cpSync } from "node:fs";
cpSync("src/teams/locales", "dist/teams/locales", { recursive: true });
cpSync("src/teams/teams-host-config.json", "dist/teams/teams-host-config.json");
