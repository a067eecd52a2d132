import type { TurnContext } from "botbuilder";
import { z } from "zod";
import { mayManageMembership } from "../../domain/permissions.js";
import { ROLE_ATTACHMENT, ROLES, roleSchema, type Role } from "../../domain/roles.js";
import { MEMBER_ADMIN_LIMITS } from "../../services/member-admin.js";
import type { Actor, Services } from "../../services/index.js";
import type { DirectoryMember } from "../../store/members.js";
import { cardMessage } from "../cards/card-message.js";
import type { CardActionRequest } from "../cards/card-action.js";
import { renderCard, type AdaptiveCardJson } from "../cards/card-renderer.js";
import { noticeCard } from "../cases/case-views.js";
import type { Translate } from "../i18n.js";

/** Administration of people in Teams: `personnes <nom ou courriel>` lists the people within the
 *  caller's reach; each card manages one: change role, hand all cases over, deactivate. */

const COMMAND = /^(?:personnes?|people|person)(?:\s+(.*))?$/i;

export type MemberAdminDeps = { services: Services; onQueued: () => void };

export async function answerMemberCommand(ctx: TurnContext, deps: MemberAdminDeps, actor: Actor | null, t: Translate, text: string): Promise<boolean> {
  const m = COMMAND.exec(text.trim());
  if (!m) return false;
  if (!actor) {
    await ctx.sendActivity(t("members.forbidden"));
    return true;
  }
  if ((ctx.activity.conversation.conversationType ?? "personal") !== "personal") {
    await ctx.sendActivity(t("members.personalOnly"));
    return true;
  }
  const query = (m[1] ?? "").trim().slice(0, MEMBER_ADMIN_LIMITS.queryMax);
  const found = await deps.services.memberAdmin.find(actor, query);
  if (!found.ok) {
    await ctx.sendActivity(t("members.forbidden"));
    return true;
  }
  await ctx.sendActivity(cardMessage(memberListCard(t, query, found.people, await placeNames(deps.services, found.people))));
  return true;
}

async function placeNames(services: Services, people: readonly DirectoryMember[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const id of new Set(people.flatMap((p) => p.schoolIds))) {
    const s = await services.enrolments.school(id);
    if (s) names.set(id, `${s.name} (${s.uai})`);
  }
  return names;
}

function placeText(t: Translate, m: DirectoryMember, names: Map<string, string>): string {
  switch (ROLE_ATTACHMENT[m.role]) {
    case "SCHOOL":
      return m.schoolIds.map((id) => names.get(id) ?? "?").join(", ");
    case "DISTRICT":
      return m.districtCode ?? "";
    case "DEPARTMENT":
      return m.departmentCode ?? "";
    case "ACADEMY":
      return t("members.academy");
  }
}

export function memberListCard(t: Translate, query: string, people: readonly DirectoryMember[], names: Map<string, string>): AdaptiveCardJson {
  return renderCard("member-list", {
    title: query ? t("members.listTitle", { query }) : t("members.listTitleAll"),
    empty: people.length === 0 ? t("members.empty") : "",
    people: people.map((p) => ({
      id: p.id,
      name: p.active ? p.displayName : `${p.displayName} (${t("members.inactive")})`,
      line: t(p.openCases > 0 ? "members.lineCases" : "members.line", {
        role: t(`role.${p.role}`),
        place: placeText(t, p, names),
        email: p.email ?? "—",
        count: p.openCases,
      }),
      manage: t("members.manage"),
    })),
  });
}

async function detailCard(deps: MemberAdminDeps, actor: Actor, t: Translate, m: DirectoryMember, notice = "", noticeColor = "Good"): Promise<AdaptiveCardJson> {
  const names = await placeNames(deps.services, [m]);
  // Roles the actor may grant: at this place for a chef d'établissement; any role, anywhere, for
  // the académie's admins (the place is checked again when the change is asked).
  const roles = m.active
    ? ROLES.filter(
        (r) =>
          actor.role === "ADMIN" ||
          (ROLE_ATTACHMENT[r] === ROLE_ATTACHMENT[m.role] &&
            (m.schoolIds.length > 0 ? m.schoolIds : [null]).every((schoolId) =>
              mayManageMembership(actor, { role: r, schoolId, districtId: m.districtId, departmentCode: m.departmentCode }),
            )),
      )
    : [];
  const successors = m.active && m.openCases > 0 ? await deps.services.memberAdmin.successors(actor, m.id) : [];
  return renderCard("member-detail", {
    title: t("members.detailTitle", { name: m.displayName }),
    facts: [
      { title: t("members.fact.email"), value: m.email ?? "—" },
      ...(m.function ? [{ title: t("members.fact.function"), value: m.function }] : []),
      { title: t("members.fact.role"), value: t(`role.${m.role}`) },
      { title: t("members.fact.place"), value: placeText(t, m, names) || "—" },
      { title: t("members.fact.cases"), value: String(m.openCases) },
      { title: t("members.fact.status"), value: m.active ? t("members.active") : t("members.inactive") },
      { title: t("members.fact.teams"), value: m.aadObjectId ? t("members.bound") : t("members.notBound") },
    ],
    notice,
    noticeColor,
    roles: roles.length > 0 ? roles.map((r) => ({ title: t(`role.${r}`), value: r })) : [],
    role: m.role,
    roleLabel: t("members.roleLabel"),
    placeLabel: m.active ? t("members.placeLabel") : "",
    placePlaceholder: t("members.placePlaceholder"),
    place: await placeCodes(deps.services, m),
    changeRole: t("members.changeRole"),
    successors: successors.map((s) => ({ title: `${s.displayName} · ${t(`role.${s.role}`)}`, value: s.id })),
    handOverLabel: t("members.handOverLabel"),
    handOver: t("members.handOver"),
    noSuccessor: m.active && m.openCases > 0 && successors.length === 0 ? t("members.noSuccessor") : "",
    deactivate: m.active ? t("members.deactivate") : "",
    memberId: m.id,
  });
}

const Data = z
  .object({ memberId: z.string().min(1).max(64), role: roleSchema.optional(), place: z.string().max(200).optional(), toId: z.string().max(64).optional() })
  .loose();

/** The member's place as the staff list writes it, to edit: UAIs, a bassin code, a département. */
async function placeCodes(services: Services, m: DirectoryMember): Promise<string> {
  switch (ROLE_ATTACHMENT[m.role]) {
    case "SCHOOL":
      return (await Promise.all(m.schoolIds.map((id) => services.enrolments.school(id))))
        .map((s) => s?.uai ?? "")
        .sort()
        .join(" ");
    case "DISTRICT":
      return m.districtId ? ((await services.memberAdmin.districtCode(m.districtId)) ?? "") : "";
    case "DEPARTMENT":
      return m.departmentCode ?? "";
    case "ACADEMY":
      return "";
  }
}
export const MemberActionData = Data;

/** Whether a typed message is the people command (« personnes Dupont »). */
export function isMemberCommand(text: string): boolean {
  return COMMAND.test(text.trim());
}

/** The entry of the table of card actions (member.*). */
export async function handleMemberCardAction(r: CardActionRequest<z.output<typeof Data>>): Promise<AdaptiveCardJson> {
  return (await handleMemberAction(r, r.actor, r.t, r.verb, r.data)) ?? noticeCard(r.t("case.notice.invalidCard"), "", "Attention");
}

/** The member.* buttons: the card to show in place of the one pressed. */
export async function handleMemberAction(
  deps: MemberAdminDeps,
  actor: Actor | null,
  t: Translate,
  verb: string,
  data: unknown,
): Promise<AdaptiveCardJson | null> {
  if (!verb.startsWith("member.")) return null;
  const input = Data.safeParse(data);
  if (!input.success) return noticeCard(t("case.notice.invalidCard"), "", "Attention");
  if (!actor) return noticeCard(t("members.forbidden"), "", "Attention");
  const admin = deps.services.memberAdmin;
  const { memberId } = input.data;
  const show = async (notice = "", color = "Good") => {
    const m = await admin.get(actor, memberId);
    return m.ok ? detailCard(deps, actor, t, m.member, notice, color) : noticeCard(t(`members.error.${m.reason}`), "", "Attention");
  };
  switch (verb) {
    case "member.open":
      return show();
    case "member.changeRole": {
      const role: Role | undefined = input.data.role;
      const current = await admin.get(actor, memberId);
      if (!current.ok) return noticeCard(t(`members.error.${current.reason}`), "", "Attention");
      if (!role) return show();
      const r = await admin.moveTo(actor, memberId, { role, place: input.data.place ?? "" });
      if (r.ok) return show(t("members.done.changed", { role: t(`role.${role}`) }));
      if (r.reason === "BAD_PLACE") return show(t("members.error.BAD_PLACE", { why: t(`people.error.${r.code}`), value: r.value ?? "" }), "Attention");
      return show(t(`members.error.${r.reason}`), "Attention");
    }
    case "member.deactivate": {
      const r = await admin.deactivate(actor, memberId);
      if (r.ok) return show(t("members.done.deactivated"));
      return show(r.reason === "HOLDS_CASES" ? t("members.error.HOLDS_CASES", { count: r.openCases }) : t(`members.error.${r.reason}`), "Attention");
    }
    case "member.handOver": {
      if (!input.data.toId) return show(t("members.error.choose"), "Attention");
      const r = await admin.handOver(actor, memberId, input.data.toId);
      if (!r.ok) return show(t(`members.error.${r.reason}`), "Attention");
      deps.onQueued();
      const told = [t("members.done.handedOver", { count: r.references.length, to: r.to.displayName })];
      if (r.skipped.length > 0) told.push(t("members.done.skipped", { count: r.skipped.length, references: r.skipped.slice(0, 20).join(", ") }));
      return show(told.join(" "), r.skipped.length > 0 ? "Warning" : "Good");
    }
  }
  return noticeCard(t("case.notice.invalidCard"), "", "Attention");
}
