import type { Database } from "./database.js";
import { recordCaseEvents } from "./case-events.js";

/** What the tab (« Mes dossiers ») writes besides the case changes the services make: the audit of
 *  the lists it shows with pupils' names. */
export class DashboardRepository {
  constructor(private readonly db: Database) {}

  /** One consultation per case shown with its pupil's name, in one statement (DETAILS_VIEWED, as
   *  the bot records the details it shows; `via` tells where they were seen). */
  async recordListed(caseIds: readonly string[], actorId: string): Promise<void> {
    await recordCaseEvents(
      this.db.kysely,
      caseIds.map((caseId) => ({ caseId, actorId, type: "DETAILS_VIEWED", data: { via: "tab-list" } })),
    );
  }
}
