import { stringify } from "csv-stringify/sync";
import {
  CALL_LIMITS,
  callOutcomeSchema,
  callRecordSchema,
  callSettles,
  frenchDay,
  PSAD_CSV_HEADER,
  psadSituationOf,
  type CallOutcome,
} from "../domain/call-campaign.js";
import { neutralizeCsvCell } from "../domain/csv-cell.js";
import { can, type Actor as PermissionActor } from "../domain/permissions.js";
import { OUTCOMES, LEGACY_OUTCOMES, type OutcomeKind } from "../domain/plan-catalogue.js";
import { parisDay } from "../domain/school-days.js";
import { initials } from "../domain/text.js";
import type { Store } from "../store/index.js";
import type { Actor } from "./members.js";
import { DEFAULT_LINK_TTL_MS, DOWNLOAD_PREFIX, type LinkCheck, type SignedLinks } from "./signed-links.js";
import type { TriageService } from "./triage.js";
import { exportOfLink } from "./export-links.js";
import { permissionActor } from "./statistics.js";

/**
 * The SIEI round trip, for the bassin's MLDS coordinators (RECORD_CALL): the « campagne d'appels »
 * (the young people of the imported lists still to call, with the phone and e-mail the list gave),
 * each call recorded with its outcome (CallAttempt, CALL_RECORDED event), and the export of each
 * young person's situation back to the PSAD (a CSV behind a signed link, audited as a DataExport
 * whose downloads are counted). Nobody else ever reads a phone number or an address.
 */

export type CallListEntry = {
  caseId: string;
  reference: string;
  initials: string;
  schoolName: string;
  /** E.164, or null when the list gave none. */
  phone: string | null;
  email: string | null;
  attempts: number;
  lastCall: { outcome: CallOutcome; on: string } | null;
};

export type CallListView = { page: number; pages: number; total: number; pageSize: number; today: string; entries: CallListEntry[] };

export type CallListResult = { ok: true; view: CallListView } | { ok: false; reason: "FORBIDDEN" };

export type RecordCallResult =
  | { ok: true; reference: string; outcome: CallOutcome; attempts: number; settled: boolean }
  | { ok: false; reason: "FORBIDDEN" | "NOT_FOUND" | "CLOSED" }
  | { ok: false; reason: "INVALID_INPUT"; field: "outcome" | "calledAt" | "note"; problem: string };

export type PsadExportResult = { ok: true; url: string; expiresAt: Date; districtName: string } | { ok: false; reason: "FORBIDDEN" };

export type PsadDownload =
  { ok: true; fileName: string; body: Buffer; rows: number } | { ok: false; reason: Exclude<LinkCheck, "VALID"> | "FORBIDDEN" | "NOT_FOUND" };

export const PSAD_EXPORT_KIND = "PSAD";
export const PSAD_PATH = /^\/dl\/stats\/psad-([0-9a-f-]{36})\.csv$/;
const psadPath = (id: string) => `${DOWNLOAD_PREFIX}stats/psad-${id}.csv`;

const OUTCOME_KINDS: readonly string[] = [...OUTCOMES, ...LEGACY_OUTCOMES];
const isOutcomeKind = (s: string | null): s is OutcomeKind => s !== null && OUTCOME_KINDS.includes(s);
const asCall = (c: { outcome: string; on: string } | null): { outcome: CallOutcome; on: string } | null => {
  const outcome = callOutcomeSchema.safeParse(c?.outcome);
  return c && outcome.success ? { outcome: outcome.data, on: c.on } : null;
};

export class CallService {
  constructor(
    private readonly store: Store,
    private readonly triage: TriageService,
    private readonly links: SignedLinks,
    private readonly clock: () => Date,
  ) {}

  /** Whether the member runs call campaigns: a coordinator with a bassin. */
  mayCall(actor: Actor | PermissionActor): boolean {
    return can(permissionActor(actor), "RECORD_CALL", null) && actor.districtId !== null;
  }

  /** « campagne d'appels [page N] »: the bassin's young people still to call, oldest case first. */
  async toCall(actor: Actor, page = 1): Promise<CallListResult> {
    if (!this.mayCall(actor)) return { ok: false, reason: "FORBIDDEN" };
    const pageSize = CALL_LIMITS.pageSize;
    const wanted = Math.max(1, Math.min(page, CALL_LIMITS.maxPage));
    let list = await this.store.calls.toCall(actor.districtId!, { offset: (wanted - 1) * pageSize, limit: pageSize });
    const pages = Math.max(1, Math.ceil(list.total / pageSize));
    // A page past the end (the list got shorter since): the last one.
    const shown = Math.min(wanted, pages);
    if (shown !== wanted) list = await this.store.calls.toCall(actor.districtId!, { offset: (shown - 1) * pageSize, limit: pageSize });
    return {
      ok: true,
      view: {
        page: shown,
        pages,
        total: list.total,
        pageSize,
        today: parisDay(this.clock()),
        entries: list.items.map((i) => ({
          caseId: i.caseId,
          reference: i.reference,
          initials: initials(i.firstName, i.lastName),
          schoolName: i.schoolName,
          phone: i.phone,
          email: i.email,
          attempts: i.attempts,
          lastCall: asCall(i.lastCall),
        })),
      },
    };
  }

  /** « Noter l'appel »: checked on the server from the caller and the case (never the card's data). */
  async recordCall(actor: Actor, caseId: string, input: unknown): Promise<RecordCallResult> {
    if (!this.mayCall(actor)) return { ok: false, reason: "FORBIDDEN" };
    const c = await this.store.caseChanges.get({ id: caseId });
    if (!c) return { ok: false, reason: "NOT_FOUND" };
    if (!this.triage.may(actor, "RECORD_CALL", c) || c.source !== "IMPORT") return { ok: false, reason: "FORBIDDEN" };
    if (c.status === "CLOSED" || c.pupil.anonymized) return { ok: false, reason: "CLOSED" };
    const now = this.clock();
    const parsed = callRecordSchema(now).safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path[0] === "calledAt" || issue.path[0] === "note" ? issue.path[0] : "outcome";
      return { ok: false, reason: "INVALID_INPUT", field, problem: field === "calledAt" ? issue.message : field === "note" ? "TOO_LONG" : "REQUIRED" };
    }
    const { attempts } = await this.store.calls.record({ caseId: c.id, byId: actor.memberId, now, ...parsed.data });
    return { ok: true, reference: c.reference, outcome: parsed.data.outcome, attempts, settled: callSettles(parsed.data.outcome) };
  }

  /** « export psad »: a signed link, valid an hour, to the CSV of the bassin's imported young
   *  people and their situation. Recorded at once (the audit), built when the link is used. */
  async requestPsadExport(actor: Actor): Promise<PsadExportResult> {
    if (!this.mayCall(actor)) return { ok: false, reason: "FORBIDDEN" };
    const districtName = (await this.store.imports.districtName(actor.districtId!)) ?? "";
    const id = await this.store.statistics.recordExport(actor.memberId, PSAD_EXPORT_KIND, { districtId: actor.districtId, districtName });
    const now = this.clock();
    return { ok: true, url: this.links.url(psadPath(id)), expiresAt: new Date(now.getTime() + DEFAULT_LINK_TTL_MS), districtName };
  }

  /** Serves a PSAD export link: the member who asked must still run the campaign of that bassin;
   *  each download is counted on the audit row. */
  async downloadPsad(path: string, exp: unknown, sig: unknown): Promise<PsadDownload> {
    const found = await exportOfLink(this.store, this.links, PSAD_PATH, path, exp, sig);
    if (!found.ok) return found;
    const { record, who } = found;
    if (record.kind !== PSAD_EXPORT_KIND) return { ok: false, reason: "NOT_FOUND" };
    const scope = record.scope as { districtId?: unknown };
    if (!this.mayCall(who) || scope.districtId !== who.districtId) return { ok: false, reason: "FORBIDDEN" };
    const now = this.clock();
    const rows = await this.store.calls.psadRows(who.districtId!);
    const cells = rows.map((r) => {
      const situation = psadSituationOf({
        closed: r.status === "CLOSED",
        outcome: isOutcomeKind(r.outcome) ? r.outcome : null,
        closedOn: r.closedOn,
        lastCall: asCall(r.lastCall),
        updatedOn: r.updatedOn,
      });
      return [r.ine ?? "", r.lastName, r.firstName, frenchDay(r.birthDate), situation.code, situation.label, frenchDay(situation.on)];
    });
    await this.store.statistics.recordDownload(record.id, rows.length, now);
    return { ok: true, fileName: `repere-psad-${parisDay(now)}.csv`, body: psadCsv(cells), rows: rows.length };
  }
}

/** The CSV for the PSAD: UTF-8 with a BOM, « ; » as spreadsheets in French read it, every cell that
 *  a spreadsheet would take for a formula written as text. */
export function psadCsv(rows: string[][]): Buffer {
  const safe = [[...PSAD_CSV_HEADER], ...rows].map((r) => r.map(neutralizeCsvCell));
  return Buffer.from(stringify(safe, { bom: true, delimiter: ";", record_delimiter: "\r\n" }), "utf8");
}
