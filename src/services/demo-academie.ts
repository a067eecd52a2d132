import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Store } from "../store/index.js";
import { DEMO_TENANT_ID } from "../store/demo-seed.js";
import { DirectoryPeopleService } from "./directory-people.js";
import { DirectorySchoolService } from "./directory-schools.js";

/** The demo académie's files, the very ones an académie prepares (data/samples/README.md). */
export const DEMO_SAMPLES_DIR = fileURLToPath(new URL("../../data/samples/", import.meta.url));
export const DEMO_ACADEMY_CODE = "10";

export class DemoSeedError extends Error {}

async function sample(name: string) {
  return { name, bytes: new Uint8Array(await readFile(DEMO_SAMPLES_DIR + name)) };
}

/**
 * Loads the demo académie through the directory imports, as an académie's administrator would from
 * the command line: the school directory extract with its bassins, then the staff list. The people
 * of the Playground are then bound to its Teams identities, and Bassin Nord gets its channel.
 * Idempotent: a second run changes nothing. `onlyIfEmpty` leaves a database in use alone; returns
 * whether it seeded.
 */
export async function seedDemo(store: Store, opts: { onlyIfEmpty: boolean; tenantId?: string; now?: Date }): Promise<boolean> {
  if (opts.onlyIfEmpty && !(await store.demo.isEmpty())) return false;
  const now = opts.now ?? new Date();
  const clock = () => now;
  const system = { kind: "system" } as const;

  const schools = new DirectorySchoolService(store, clock);
  const schoolsPreview = await schools.preview(system, {
    academy: DEMO_ACADEMY_CODE,
    file: await sample("annuaire-education.csv"),
    bassins: await sample("bassins.csv"),
  });
  if (!schoolsPreview.ok || schoolsPreview.preview.errors.length > 0) throw new DemoSeedError(`demo schools do not import: ${JSON.stringify(schoolsPreview)}`);
  const { importId, create, update, newBassins } = schoolsPreview.preview;
  if (create + update + newBassins.length === 0) await schools.cancel(system, importId);
  else {
    const schoolsDone = await schools.confirm(system, importId);
    if (!schoolsDone.ok) throw new DemoSeedError(`demo schools do not import: ${schoolsDone.reason}`);
  }
  await store.demo.upsertChannels();

  const people = new DirectoryPeopleService(store, clock);
  const peoplePreview = await people.preview(system, await sample("personnels.csv"));
  if (!peoplePreview.ok || peoplePreview.preview.errors.length > 0)
    throw new DemoSeedError(`demo staff list does not import: ${JSON.stringify(peoplePreview)}`);
  // A list that changes nothing has nothing to confirm: the demo is already there.
  if (peoplePreview.preview.importId !== null) {
    const peopleDone = await people.confirm(system, peoplePreview.preview.importId);
    if (!peopleDone.ok) throw new DemoSeedError(`demo staff list does not import: ${peopleDone.reason}`);
  }
  await store.demo.bindIdentities(opts.tenantId ?? DEMO_TENANT_ID, now);
  return true;
}
