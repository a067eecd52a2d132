import { execFileSync } from "node:child_process";

let built = false;

/** The node arguments of `npm start`: the bundled server (scripts/build-server.mjs), rebuilt first
 *  when the sources changed, so that a process test runs what people run and never a stale bundle. */
export function serverNodeArgs(): string[] {
  if (!built) {
    execFileSync(process.execPath, ["scripts/build-server.mjs", "--quiet"], { stdio: "inherit" });
    built = true;
  }
  return ["--disable-warning=DEP0111", "--enable-source-maps", "node_modules/.cache/repere/server/main.mjs"];
}
