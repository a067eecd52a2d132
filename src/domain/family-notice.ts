import { normalizeText } from "./text.js";

/**
 * The information notice for families (RGPD, articles 13 and 14): what the académie tells the
 * families of the pupils followed in Repère. Built from the académie's settings (AcademySetting),
 * each with a French default but the controller and the DPO's contact, which only the académie can
 * say. French: the document is handed to families.
 */
export const ACADEMY_SETTING_KEYS = ["controller", "purpose", "recipients", "retention", "rights", "dpoContact"] as const;
export type AcademySettingKey = (typeof ACADEMY_SETTING_KEYS)[number];
export type AcademySettings = Partial<Record<AcademySettingKey, string>>;

export const ACADEMY_SETTING_MAX = 1000;

/** The words of `académie <setting> <text>` (French) and `academy <setting> <text>` (English). */
export const SETTING_WORDS: Readonly<Record<string, AcademySettingKey>> = {
  responsable: "controller",
  controller: "controller",
  finalite: "purpose",
  purpose: "purpose",
  destinataires: "recipients",
  recipients: "recipients",
  conservation: "retention",
  retention: "retention",
  droits: "rights",
  rights: "rights",
  dpo: "dpoContact",
};

/** What the notice says when the académie has not said otherwise. The controller and the DPO have
 *  no default: the notice says they are to be completed. */
export const NOTICE_DEFAULTS: Readonly<Record<Exclude<AcademySettingKey, "controller" | "dpoContact">, string>> = {
  purpose:
    "Prévenir le décrochage scolaire : repérer les élèves qui montrent des signes de décrochage, organiser leur suivi par le groupe de prévention du décrochage scolaire (GPDS) de l'établissement et, pour les jeunes de 16 ans et plus, par la mission de lutte contre le décrochage scolaire (MLDS). Base légale : mission d'intérêt public (article 6-1-e du RGPD ; articles L. 313-7 et L. 313-8 du code de l'éducation).",
  recipients:
    "Les membres du GPDS de l'établissement (chef d'établissement, référent décrochage scolaire, CPE, psychologue de l'Éducation nationale, assistant(e) social(e), infirmier(ère)) ; pour les jeunes orientés vers la MLDS, les coordonnateurs MLDS du bassin ; l'IEN-IO pour la validation d'un parcours aménagé. Les statistiques transmises aux services académiques ne contiennent aucun nom.",
  retention:
    "Les informations sont conservées pendant l'année scolaire au cours de laquelle le suivi se termine, jusqu'au 31 août, puis rendues anonymes : seules restent des données statistiques sans nom.",
  rights:
    "Vous pouvez accéder aux informations qui concernent votre enfant ou vous-même, en demander la rectification, la limitation ou vous opposer à leur traitement (articles 15 à 21 du RGPD), en vous adressant au chef d'établissement ou au délégué à la protection des données. Si vous estimez que vos droits ne sont pas respectés, vous pouvez saisir la CNIL (www.cnil.fr).",
};

export type AdminSettingCommand = { kind: "setAcademySetting"; key: AcademySettingKey; value: string } | { kind: "showAcademySettings" };

/**
 * `académie dpo dpo@ac-exemple.fr` / `academy controller Recteur de l'académie…` (the text keeps its
 * case and accents, up to ACADEMY_SETTING_MAX characters); `académie réglages` / `academy settings`
 * shows them. Null for anything else.
 */
export function parseAcademySettingCommand(input: string): AdminSettingCommand | null {
  if (typeof input !== "string" || input.length > ACADEMY_SETTING_MAX + 100) return null;
  const raw = input.replace(/<at>.*?<\/at>/g, " ").trim();
  const m = /^(\S+)\s+(\S+)(?:\s+([\s\S]*))?$/.exec(raw);
  if (!m) return null;
  const first = normalizeText(m[1]!);
  if (first !== "academie" && first !== "academy") return null;
  const second = normalizeText(m[2]!);
  const value = (m[3] ?? "").trim();
  if (!value && (second === "reglages" || second === "settings" || second === "parametres")) return { kind: "showAcademySettings" };
  const key = SETTING_WORDS[second];
  if (!key || !value) return null;
  return { kind: "setAcademySetting", key, value };
}

/** `notice famille` / `notice familles` / `family notice`. */
export function isFamilyNoticeCommand(input: string): boolean {
  if (typeof input !== "string" || input.length > 100) return false;
  const text = normalizeText(input.replace(/<at>.*?<\/at>/g, " "));
  return ["notice famille", "notice familles", "family notice", "information familles", "information famille"].includes(text);
}

export type NoticeSection = { title: string; text: string };

/** The notice's sections, in the order a family reads them; a missing controller or DPO says so. */
export function familyNoticeSections(settings: AcademySettings): NoticeSection[] {
  const missing = "À compléter par l'académie.";
  return [
    { title: "Responsable du traitement", text: settings.controller ?? missing },
    { title: "Pourquoi ces informations sont recueillies", text: settings.purpose ?? NOTICE_DEFAULTS.purpose },
    {
      title: "Quelles informations",
      text: "L'identité de l'élève (nom, prénom, date de naissance, classe, établissement), les signaux observés par l'équipe éducative (assiduité, investissement, résultats, comportement, orientation) décrits de façon factuelle, les mesures d'accompagnement proposées et leurs dates, l'information et la rencontre de la famille, l'accord du jeune et de la famille. Aucune donnée de santé n'est enregistrée.",
    },
    { title: "Qui peut les consulter", text: settings.recipients ?? NOTICE_DEFAULTS.recipients },
    { title: "Combien de temps elles sont conservées", text: settings.retention ?? NOTICE_DEFAULTS.retention },
    { title: "Vos droits", text: settings.rights ?? NOTICE_DEFAULTS.rights },
    { title: "Délégué à la protection des données", text: settings.dpoContact ?? missing },
  ];
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** The notice as a printable HTML page (French), every setting escaped. */
export function familyNoticeHtml(settings: AcademySettings): string {
  const sections = familyNoticeSections(settings)
    .map(
      (s) =>
        `<h2>${escapeHtml(s.title)}</h2>\n${s.text
          .split(/\n+/)
          .map((p) => `<p>${escapeHtml(p)}</p>`)
          .join("\n")}`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<title>Information des familles : suivi pour prévenir le décrochage scolaire</title>
<style>body{font-family:system-ui,sans-serif;max-width:42em;margin:2em auto;line-height:1.5;padding:0 1em}h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.5em}</style>
</head>
<body>
<h1>Information des familles : suivi pour prévenir le décrochage scolaire</h1>
<p>Votre enfant fait l'objet d'un suivi par l'équipe de son établissement pour l'aider à poursuivre sa scolarité. Ce document vous dit quelles informations sont enregistrées, par qui, pour combien de temps, et quels sont vos droits.</p>
${sections}
</body>
</html>
`;
}
