import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseQuery, QUERY_KINDS, MAX_QUERY_LENGTH } from "../../src/domain/query-parser.js";
import { parseAdminCommand } from "../../src/domain/admin-commands.js";
import { REPORT_LIMITS, validatePupil, validateSignals, validateStepsTaken, withinLimits, type CompleteDraft } from "../../src/domain/report-draft.js";
import { SignedLinks } from "../../src/services/signed-links.js";
import { parseSubmit } from "../../src/teams/cards/submit-payload.js";
import { activityRequestProblem, MAX_ACTIVITY_TEXT } from "../../src/teams/platform/request-guard.js";
import { safeError } from "../../src/logging.js";

/** Whatever people type, click or forge, the parsers answer without throwing, and what they let
 *  through keeps the limits. Property-based: random and malformed text, submits and activities. */

const RUNS = { numRuns: 300 };
const text = fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: "grapheme", maxLength: 200 }), fc.string({ unit: "binary", maxLength: 700 }));
const commandish = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        "export",
        "exporter",
        "effacer",
        "erase",
        "pupil",
        "élève",
        "eleve",
        "historique",
        "D-2026-0042",
        "d-2026-42",
        "du",
        "dossier",
        "<at>Repère</at>",
        "statut",
        "\u0000",
        "\u202e",
      ),
      fc.string({ maxLength: 8 }),
    ),
    { maxLength: 6 },
  )
  .map((w) => w.join(" "));

describe("chat commands", () => {
  it("are read without throwing, as a known kind, and a data-protection request always names a well-formed reference", () => {
    fc.assert(
      fc.property(fc.oneof(text, commandish), (input) => {
        const q = parseQuery(input);
        expect(QUERY_KINDS).toContain(q.kind);
        if (q.kind === "exportPupil" || q.kind === "erasePupil" || q.kind === "history") expect(q.reference).toMatch(/^D-\d{4}-\d{4,5}$/);
        if (q.kind === "unknown") expect(q.text.length).toBeLessThanOrEqual(MAX_QUERY_LENGTH);
        expect(() => parseAdminCommand(input)).not.toThrow();
      }),
      RUNS,
    );
  });

  it("never reads an erasure from a word that is not exactly « effacer », « supprimer », « erase » or « delete »", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 12 }), (verb) => {
        const q = parseQuery(`${verb} élève D-2026-0042`);
        if (q.kind === "erasePupil") expect(["effacer", "supprimer", "erase", "delete"]).toContain(verb.trim().toLowerCase());
      }),
      RUNS,
    );
  });
});

describe("card submits", () => {
  it("are parsed or refused without throwing, whatever the value", () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const s = parseSubmit(value);
        if (s) expect(typeof s.action).toBe("string");
      }),
      RUNS,
    );
  });

  it("give report steps that keep the limits, or errors, never an exception", () => {
    const field = fc.oneof(text, fc.constant(""), fc.integer().map(String), fc.constant("x".repeat(5000)), fc.anything());
    const input = fc.dictionary(
      fc.oneof(
        fc.constantFrom(
          "lastName",
          "firstName",
          "className",
          "schoolId",
          "birthYear",
          "absenceHalfDays",
          "signal_LATENESS",
          "note_LATENESS",
          "signal_NO_PLAN",
          "signal_FORGED",
          "stepsTaken",
          "urgency",
          "observations",
        ),
        fc.string({ maxLength: 10 }),
      ),
      field,
      { maxKeys: 10 },
    );
    fc.assert(
      fc.property(fc.oneof(input, fc.anything()), (raw) => {
        const pupil = validatePupil(raw, { allowedSchoolIds: ["s1"], currentYear: 2026 });
        const signals = validateSignals(raw);
        const steps = validateStepsTaken(raw);
        if (pupil.ok) {
          expect(pupil.value.lastName.length).toBeLessThanOrEqual(REPORT_LIMITS.nameMax);
          expect(pupil.value.className.length).toBeLessThanOrEqual(REPORT_LIMITS.classMax);
        }
        if (signals.ok) for (const s of signals.value.signals) expect((s.note ?? "").length).toBeLessThanOrEqual(REPORT_LIMITS.noteMax);
        if (steps.ok) expect((steps.value.observations ?? "").length).toBeLessThanOrEqual(REPORT_LIMITS.observationsMax);
        // What the steps accept, the service accepts.
        if (pupil.ok && signals.ok && steps.ok) expect(withinLimits({ pupil: pupil.value, signals: signals.value, steps: steps.value })).toBe(true);
        else
          for (const v of Object.values({ ...(pupil.ok ? {} : pupil.values), ...(steps.ok ? {} : steps.values) })) expect(v.length).toBeLessThanOrEqual(1000);
      }),
      RUNS,
    );
  });

  it("are refused by the service's own check when a field is over its limit, whatever else they hold", () => {
    const valid: CompleteDraft = {
      pupil: { lastName: "Dupont", firstName: "Léa", className: "2nde 3", schoolId: "s1", birthYear: 2010 },
      signals: { signals: [{ code: "LATENESS", note: "En retard" }] },
      steps: { stepsTaken: ["FAMILY_CONTACTED"], urgency: 2, observations: "RAS" },
    };
    expect(withinLimits(valid)).toBe(true);
    const mutations: fc.Arbitrary<(d: CompleteDraft) => CompleteDraft>[] = [
      fc.string({ minLength: REPORT_LIMITS.nameMax + 1, maxLength: 300 }).map((s) => (d) => ({ ...d, pupil: { ...d.pupil, lastName: `A${s}` } })),
      fc.string({ minLength: REPORT_LIMITS.noteMax + 1, maxLength: 600 }).map((s) => (d) => ({ ...d, signals: { signals: [{ code: "LATENESS", note: s }] } })),
      fc.string({ minLength: REPORT_LIMITS.observationsMax + 1, maxLength: 900 }).map((s) => (d) => ({ ...d, steps: { ...d.steps, observations: s } })),
      fc
        .string({ maxLength: 20 })
        .filter((s) => !["LATENESS", "NO_PLAN"].includes(s))
        .map((code) => (d) => ({ ...d, signals: { signals: [{ code: code as never }] } })),
      fc
        .integer()
        .filter((u) => ![1, 2, 3].includes(u))
        .map((u) => (d) => ({ ...d, steps: { ...d.steps, urgency: u as never } })),
      fc.integer({ min: REPORT_LIMITS.halfDaysMax + 1 }).map((h) => (d) => ({ ...d, signals: { ...d.signals, absenceHalfDays: h } })),
      fc.constantFrom("<script>", "1=1", 'Robert\'); DROP TABLE "Pupil";--').map((s) => (d) => ({ ...d, pupil: { ...d.pupil, firstName: s } })),
    ];
    fc.assert(
      fc.property(fc.oneof(...mutations), (mutate) => {
        expect(withinLimits(mutate(valid)), JSON.stringify(mutate(valid)).slice(0, 300)).toBe(false);
      }),
      RUNS,
    );
  });
});

describe("activities arriving over HTTP", () => {
  it("are checked for shape without throwing, and anything without a type, a sender, a conversation or a service URL is refused", () => {
    const activityish = fc.record(
      {
        type: fc.oneof(fc.constantFrom("message", "invoke", "conversationUpdate"), fc.anything()),
        id: fc.oneof(fc.string(), fc.anything()),
        serviceUrl: fc.oneof(fc.webUrl(), fc.anything()),
        from: fc.oneof(fc.record({ id: fc.string(), aadObjectId: fc.uuid() }), fc.anything()),
        conversation: fc.oneof(fc.record({ id: fc.string(), conversationType: fc.constantFrom("personal", "channel") }), fc.anything()),
        text: fc.oneof(fc.string(), fc.anything()),
        value: fc.anything(),
        channelData: fc.anything(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(activityish, fc.anything()), (body) => {
        const problem = activityRequestProblem(body);
        const b = body as Record<string, any> | null;
        const wellFormed =
          typeof b === "object" &&
          b !== null &&
          !Array.isArray(b) &&
          typeof b.type === "string" &&
          b.type.length > 0 &&
          b.type.length <= 64 &&
          typeof b.serviceUrl === "string" &&
          b.serviceUrl.length > 0 &&
          typeof b.conversation?.id === "string" &&
          typeof b.from === "object" &&
          b.from !== null;
        if (!wellFormed) expect(problem).not.toBeNull();
      }),
      RUNS,
    );
    expect(
      activityRequestProblem({
        type: "message",
        serviceUrl: "https://x",
        from: { id: "1" },
        conversation: { id: "c" },
        text: "x".repeat(MAX_ACTIVITY_TEXT + 1),
      }),
    ).toMatch(/^text:/);
  });
});

describe("signed download links", () => {
  const now = new Date("2026-11-28T10:00:00Z");
  const links = new SignedLinks(
    "a-secret-of-at-least-thirty-two-characters!",
    () => "https://repere.example",
    () => now,
  );
  const path = "/dl/pupil-data/0b6f3f2e-5f1c-4c47-9d1a-3e8f1c2b7a10/1c2b7a10-5f1c-4c47-9d1a-3e8f0b6f3f2e.json";
  const url = new URL(links.url(path));
  const exp = url.searchParams.get("exp")!;
  const sig = url.searchParams.get("sig")!;

  it("accept the link as made, and nothing changed in it", () => {
    expect(links.check(path, exp, sig)).toBe("VALID");
    fc.assert(
      fc.property(
        fc.string({ maxLength: 60 }),
        fc.string({ maxLength: 20 }),
        fc.string({ maxLength: 50 }),
        fc.constantFrom("path", "exp", "sig"),
        (p, e, s, which) => {
          const args: [string, unknown, unknown] = which === "path" ? [`${path}${p}`, exp, sig] : which === "exp" ? [path, e, sig] : [path, exp, s];
          const changed = (which === "path" && p !== "") || (which === "exp" && e !== exp) || (which === "sig" && s !== sig);
          if (changed) expect(links.check(...args)).toBe("INVALID");
        },
      ),
      RUNS,
    );
    expect(
      new SignedLinks(
        "another-secret-of-thirty-two-characters!!",
        () => "",
        () => now,
      ).check(path, exp, sig),
    ).toBe("INVALID");
  });
});

describe("errors written to the logs", () => {
  it("are reduced without throwing, whatever was thrown", () => {
    fc.assert(
      fc.property(fc.anything(), fc.string(), (cause, message) => {
        const e = Object.assign(new Error(message), { cause, meta: cause });
        const out = safeError(e);
        expect(JSON.stringify(out)).not.toContain('"meta"');
        expect(() => safeError(cause)).not.toThrow();
      }),
      RUNS,
    );
  });
});
