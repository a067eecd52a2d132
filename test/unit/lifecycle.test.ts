import { describe, expect, it } from "vitest";
import {
  CASE_ACTIONS,
  CASE_STATUSES,
  OPEN_STATUSES,
  allowedActions,
  applyTransition,
  isOpenStatus,
  type CaseAction,
  type CaseStatus,
  type TransitionActor,
} from "../../src/domain/lifecycle.js";
import { ROLES } from "../../src/domain/roles.js";

const ACTORS: readonly TransitionActor[] = [...ROLES, "SYSTEM"];
const TRIAGE: readonly TransitionActor[] = ["REFERENT", "COORDINATOR", "ADMIN"];
// Every member role: whether this member may report on, or answer for, this case is for permissions.
const ANY_ROLE: readonly TransitionActor[] = ROLES;

/**
 * The specification of the state machine, written out move by move: [from, action, to, who].
 * Any (status, action) pair missing here must be refused as INVALID_TRANSITION.
 */
const ALLOWED_MOVES: readonly (readonly [CaseStatus, CaseAction, CaseStatus, readonly TransitionActor[]])[] = [
  ["NEW", "TAKE_CHARGE", "ACKNOWLEDGED", TRIAGE],

  ["NEW", "ASSIGN", "ACKNOWLEDGED", TRIAGE],
  ["ACKNOWLEDGED", "ASSIGN", "ACKNOWLEDGED", TRIAGE],
  ["INFO_REQUESTED", "ASSIGN", "INFO_REQUESTED", TRIAGE],
  ["PLAN_ACTIVE", "ASSIGN", "PLAN_ACTIVE", TRIAGE],
  ["REVIEW_DUE", "ASSIGN", "REVIEW_DUE", TRIAGE],

  ["NEW", "REQUEST_INFO", "INFO_REQUESTED", TRIAGE],
  ["ACKNOWLEDGED", "REQUEST_INFO", "INFO_REQUESTED", TRIAGE],
  ["INFO_REQUESTED", "INFO_RECEIVED", "ACKNOWLEDGED", ANY_ROLE],

  ["ACKNOWLEDGED", "OPEN_PLAN", "PLAN_ACTIVE", TRIAGE],
  ["PLAN_ACTIVE", "UPDATE_PLAN", "PLAN_ACTIVE", TRIAGE],
  ["REVIEW_DUE", "UPDATE_PLAN", "REVIEW_DUE", TRIAGE],
  ["PLAN_ACTIVE", "REVIEW_DUE", "REVIEW_DUE", ["SYSTEM"]],
  ["PLAN_ACTIVE", "RECORD_REVIEW", "PLAN_ACTIVE", TRIAGE],
  ["REVIEW_DUE", "RECORD_REVIEW", "PLAN_ACTIVE", TRIAGE],

  ["NEW", "ESCALATE", "NEW", ["HEAD", "REFERENT"]],
  ["ACKNOWLEDGED", "ESCALATE", "ACKNOWLEDGED", ["HEAD", "REFERENT"]],
  ["INFO_REQUESTED", "ESCALATE", "INFO_REQUESTED", ["HEAD", "REFERENT"]],
  ["PLAN_ACTIVE", "ESCALATE", "PLAN_ACTIVE", ["HEAD", "REFERENT"]],
  ["REVIEW_DUE", "ESCALATE", "REVIEW_DUE", ["HEAD", "REFERENT"]],

  ["NEW", "DISMISS", "CLOSED", TRIAGE],
  ["ACKNOWLEDGED", "DISMISS", "CLOSED", TRIAGE],
  ["INFO_REQUESTED", "DISMISS", "CLOSED", TRIAGE],

  ["ACKNOWLEDGED", "CLOSE", "CLOSED", TRIAGE],
  ["PLAN_ACTIVE", "CLOSE", "CLOSED", TRIAGE],
  ["REVIEW_DUE", "CLOSE", "CLOSED", TRIAGE],

  ["NEW", "ADD_REPORT", "NEW", ANY_ROLE],
  ["ACKNOWLEDGED", "ADD_REPORT", "ACKNOWLEDGED", ANY_ROLE],
  ["INFO_REQUESTED", "ADD_REPORT", "INFO_REQUESTED", ANY_ROLE],
  ["PLAN_ACTIVE", "ADD_REPORT", "PLAN_ACTIVE", ANY_ROLE],
  ["REVIEW_DUE", "ADD_REPORT", "REVIEW_DUE", ANY_ROLE],

  ["CLOSED", "REOPEN", "ACKNOWLEDGED", TRIAGE],
  ["CLOSED", "REOPEN_BY_REPORT", "ACKNOWLEDGED", ANY_ROLE],

  ["NEW", "CLOSE_IDLE", "CLOSED", [...TRIAGE, "SYSTEM"]],
  ["ACKNOWLEDGED", "CLOSE_IDLE", "CLOSED", [...TRIAGE, "SYSTEM"]],
  ["INFO_REQUESTED", "CLOSE_IDLE", "CLOSED", [...TRIAGE, "SYSTEM"]],
  ["PLAN_ACTIVE", "CLOSE_IDLE", "CLOSED", [...TRIAGE, "SYSTEM"]],
  ["REVIEW_DUE", "CLOSE_IDLE", "CLOSED", [...TRIAGE, "SYSTEM"]],
];

function expectedMove(from: CaseStatus, action: CaseAction) {
  return ALLOWED_MOVES.find(([f, a]) => f === from && a === action);
}

const EVERY_COMBINATION = CASE_STATUSES.flatMap((from) => CASE_ACTIONS.flatMap((action) => ACTORS.map((actor) => [from, action, actor] as const)));

describe("applyTransition, every status x action x actor", () => {
  it("covers the whole cube", () => {
    expect(EVERY_COMBINATION).toHaveLength(6 * 15 * (ROLES.length + 1));
  });

  it.each(EVERY_COMBINATION)("%s + %s by %s", (from, action, actor) => {
    const move = expectedMove(from, action);
    const result = applyTransition(from, action, actor);
    if (move === undefined) {
      expect(result).toEqual({ ok: false, reason: "INVALID_TRANSITION" });
    } else if (move[3].includes(actor)) {
      expect(result).toEqual({ ok: true, to: move[2] });
    } else {
      expect(result).toEqual({ ok: false, reason: "ROLE_NOT_ALLOWED" });
    }
  });
});

describe("rules the table must honour", () => {
  it("a closed case accepts nothing but being reopened: by who triages, or by a new report (any role)", () => {
    for (const role of ACTORS)
      expect(allowedActions("CLOSED", role)).toEqual(role === "SYSTEM" ? [] : TRIAGE.includes(role) ? ["REOPEN", "REOPEN_BY_REPORT"] : ["REOPEN_BY_REPORT"]);
  });

  it("staff never triage: they may only add a report or answer a request", () => {
    for (const status of CASE_STATUSES) {
      for (const action of allowedActions(status, "STAFF")) {
        expect(["ADD_REPORT", "INFO_RECEIVED", "REOPEN_BY_REPORT"]).toContain(action);
      }
    }
  });

  it("only the scheduler marks a review as due; besides, it only closes an idle case after notice", () => {
    for (const status of CASE_STATUSES) {
      for (const role of ROLES) expect(allowedActions(status, role)).not.toContain("REVIEW_DUE");
      const idle = isOpenStatus(status) ? ["CLOSE_IDLE"] : [];
      expect(allowedActions(status, "SYSTEM")).toEqual(status === "PLAN_ACTIVE" ? ["REVIEW_DUE", ...idle] : idle);
    }
  });

  it("escalating and adding a report never change the status", () => {
    for (const status of OPEN_STATUSES) {
      expect(applyTransition(status, "ESCALATE", "REFERENT")).toEqual({ ok: true, to: status });
      expect(applyTransition(status, "ADD_REPORT", "STAFF")).toEqual({ ok: true, to: status });
    }
  });

  it("every open status can still reach CLOSED", () => {
    for (const start of OPEN_STATUSES) {
      const seen = new Set<CaseStatus>([start]);
      const queue: CaseStatus[] = [start];
      while (queue.length > 0) {
        const status = queue.shift() as CaseStatus;
        for (const action of CASE_ACTIONS) {
          for (const actor of ACTORS) {
            const result = applyTransition(status, action, actor);
            if (result.ok && !seen.has(result.to)) {
              seen.add(result.to);
              queue.push(result.to);
            }
          }
        }
      }
      expect(seen.has("CLOSED")).toBe(true);
    }
  });

  it("allowedActions offers exactly the moves applyTransition accepts, in catalogue order", () => {
    for (const status of CASE_STATUSES) {
      for (const actor of ACTORS) {
        const expected = CASE_ACTIONS.filter((a) => applyTransition(status, a, actor).ok);
        expect(allowedActions(status, actor)).toEqual(expected);
      }
    }
  });

  it.each<[CaseStatus, TransitionActor, CaseAction[]]>([
    ["NEW", "REFERENT", ["TAKE_CHARGE", "ASSIGN", "REQUEST_INFO", "ESCALATE", "DISMISS", "ADD_REPORT", "CLOSE_IDLE"]],
    ["NEW", "COORDINATOR", ["TAKE_CHARGE", "ASSIGN", "REQUEST_INFO", "DISMISS", "ADD_REPORT", "CLOSE_IDLE"]],
    ["INFO_REQUESTED", "STAFF", ["INFO_RECEIVED", "ADD_REPORT"]],
    ["PLAN_ACTIVE", "COORDINATOR", ["ASSIGN", "UPDATE_PLAN", "RECORD_REVIEW", "CLOSE", "ADD_REPORT", "CLOSE_IDLE"]],
    ["REVIEW_DUE", "REFERENT", ["ASSIGN", "UPDATE_PLAN", "RECORD_REVIEW", "ESCALATE", "CLOSE", "ADD_REPORT", "CLOSE_IDLE"]],
  ])("a card for %s shown to %s offers %j", (status, role, actions) => {
    expect(allowedActions(status, role)).toEqual(actions);
  });

  it("OPEN_STATUSES are all statuses but CLOSED", () => {
    expect([...OPEN_STATUSES]).toEqual(CASE_STATUSES.filter((s) => s !== "CLOSED"));
    for (const s of CASE_STATUSES) expect(isOpenStatus(s)).toBe(s !== "CLOSED");
  });
});
