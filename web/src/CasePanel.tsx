import {
  Badge,
  Body1Strong,
  Button,
  Caption1,
  DrawerBody,
  DrawerHeader,
  DrawerHeaderTitle,
  Field,
  Input,
  MessageBar,
  MessageBarBody,
  OverlayDrawer,
  Select,
  Spinner,
  Subtitle2,
  Switch,
  Textarea,
} from "@fluentui/react-components";
import i18next from "i18next";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { ApiError, type CasePanel, type Destination, type TabApi, type TabCommand } from "./api";
import { STATUS_COLOR } from "./CasesView";
import { formatDate, type Lang } from "./i18n";

const t = i18next.t.bind(i18next);

/** Who looked at the case: kept in the history (the audit), shown on demand. */
const CONSULTATIONS = new Set(["DETAILS_VIEWED", "HISTORY_VIEWED", "EXPORTED"]);

type Notice = { intent: "success" | "warning" | "error"; text: string } | null;

/** One case: what the caller may know of it, its history and plan, and what they may do now. */
export function CasePanelDrawer(props: { api: TabApi; reference: string; lang: Lang; onClose: () => void; onChanged: () => void }) {
  const { api, reference, lang, onClose, onChanged } = props;
  const [panel, setPanel] = useState<CasePanel | null>(null);
  const [failed, setFailed] = useState(false);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<Notice>(null);
  const [consultations, setConsultations] = useState(false);
  const [form, setForm] = useState<"requestInfo" | "dismiss" | "assign" | "referToMlds" | "transfer" | null>(null);
  const [text, setText] = useState("");
  const [assignee, setAssignee] = useState("");
  // « Transférer »: the typed text, the open schools found, the one chosen.
  const [schoolQuery, setSchoolQuery] = useState("");
  const [destinations, setDestinations] = useState<Destination[] | null>(null);
  const [destination, setDestination] = useState("");
  // The case left the caller's scope (transferred to a school they do not belong to).
  const [gone, setGone] = useState(false);
  const noticeRef = useRef<HTMLDivElement>(null);
  // What an action did is read out, and the focus stays in the panel when its button goes away.
  useEffect(() => {
    if (notice) noticeRef.current?.focus();
  }, [notice]);
  const narrow = typeof window !== "undefined" && window.matchMedia("(max-width: 600px)").matches;

  useEffect(() => {
    let live = true;
    api
      .panel(reference)
      .then((p) => live && setPanel(p))
      .catch(() => live && setFailed(true));
    return () => {
      live = false;
    };
  }, [api, reference]);

  const run = async (command: TabCommand) => {
    if (!panel) return;
    setBusy(true);
    setNotice(null);
    try {
      const after = await api.act(panel.reference, command);
      if (after.caseId === undefined) setGone(true);
      else setPanel(after);
      setNotice({ intent: "success", text: t(after.caseId === undefined ? "panel.transferGone" : `panel.done.${command.action}`) });
      setForm(null);
      setText("");
      setAssignee("");
      setDestinations(null);
      setDestination("");
      onChanged();
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        setPanel(await api.panel(panel.reference).catch(() => panel));
        setNotice({ intent: "warning", text: t("panel.conflict") });
        setForm(null);
        onChanged();
      } else if (err instanceof ApiError && err.status === 400) setNotice({ intent: "error", text: err.body.message ?? t("panel.invalid") });
      else if (err instanceof ApiError && err.status === 403) setNotice({ intent: "error", text: err.body.message ?? t("panel.forbidden") });
      else setNotice({ intent: "error", text: t("error") });
    } finally {
      setBusy(false);
    }
  };

  const submitForm = (e: FormEvent) => {
    e.preventDefault();
    if (!panel || !form) return;
    if (form === "assign") {
      if (!assignee) return setNotice({ intent: "error", text: t("panel.pickAssignee") });
      return void run({ action: "assign", version: panel.version, assigneeId: assignee });
    }
    if (form === "referToMlds") return void run({ action: "referToMlds", version: panel.version });
    if (form === "transfer") {
      if (!destination) return setNotice({ intent: "error", text: t("bot.caseNotice.INVALID_INPUT.transferSchool") });
      if (!text.trim()) return setNotice({ intent: "error", text: t("bot.caseNotice.INVALID_INPUT.transferReason") });
      return void run({ action: "transfer", version: panel.version, toSchoolId: destination, reason: text });
    }
    if (!text.trim()) return setNotice({ intent: "error", text: t("panel.invalid") });
    void run(
      form === "requestInfo" ? { action: "requestInfo", version: panel.version, question: text } : { action: "dismiss", version: panel.version, reason: text },
    );
  };

  const searchSchools = async () => {
    if (!panel) return;
    setBusy(true);
    setNotice(null);
    try {
      const found = await api.destinations(panel.reference, schoolQuery);
      setDestinations(found.schools);
      setDestination(found.schools.length === 1 ? found.schools[0]!.id : "");
    } catch (err) {
      setNotice({ intent: "error", text: err instanceof ApiError && err.body.message ? err.body.message : t("error") });
    } finally {
      setBusy(false);
    }
  };

  return (
    <OverlayDrawer open position="end" size={narrow ? "full" : "medium"} onOpenChange={(_, d) => !d.open && onClose()} aria-label={reference}>
      <DrawerHeader>
        <DrawerHeaderTitle
          action={
            <Button appearance="subtle" aria-label={t("panel.close")} onClick={onClose}>
              ✕
            </Button>
          }
        >
          {reference}
        </DrawerHeaderTitle>
      </DrawerHeader>
      <DrawerBody className="panel">
        {failed && (
          <MessageBar intent="error">
            <MessageBarBody>{t("error")}</MessageBarBody>
          </MessageBar>
        )}
        {!panel && !failed && <Spinner label={t("loading")} />}
        {gone && (
          <MessageBar intent="success" role="status" data-testid="panel-gone">
            <MessageBarBody>{notice?.text ?? t("panel.transferGone")}</MessageBarBody>
          </MessageBar>
        )}
        {panel && !gone && (
          <>
            <p className="badges">
              <Badge appearance="filled" color={STATUS_COLOR[panel.status]} data-testid="panel-status">
                {t(`bot.status.${panel.status}`)}
              </Badge>{" "}
              <Badge appearance="outline">{t(`bot.urgency.short${panel.urgency}`)}</Badge>
            </p>
            <dl className="facts">
              <dt>{t("panel.school")}</dt>
              <dd>
                {panel.school.name} ({panel.school.uai})
              </dd>
              {panel.pupil && (
                <>
                  <dt>{t("panel.pupil")}</dt>
                  <dd>
                    {panel.pupil.name}
                    {panel.pupil.className ? ` · ${panel.pupil.className}` : ""}
                  </dd>
                </>
              )}
              <dt>{t("panel.reportedAt")}</dt>
              <dd>{formatDate(panel.reportedAt, lang)}</dd>
              <dt>{t("panel.assignee")}</dt>
              <dd data-testid="panel-assignee">{panel.assigneeName ?? t("panel.nobody")}</dd>
              <dt>{t("panel.nextReview")}</dt>
              <dd>{panel.nextReviewAt ? formatDate(panel.nextReviewAt, lang) : t("panel.noReview")}</dd>
            </dl>

            <Subtitle2 as="h2">{t("panel.signals")}</Subtitle2>
            <ul>
              {panel.signals.map((s, i) => (
                <li key={`${s.code}-${i}`}>
                  {t(`bot.signal.${s.code}`, { defaultValue: s.code })}
                  {s.note ? ` : ${s.note}` : ""}
                </li>
              ))}
            </ul>

            <Subtitle2 as="h2">{t("panel.actions")}</Subtitle2>
            <div ref={noticeRef} tabIndex={-1} className="notice">
              {notice && (
                <MessageBar intent={notice.intent} role="status">
                  <MessageBarBody>{notice.text}</MessageBarBody>
                </MessageBar>
              )}
            </div>
            {panel.actions.length === 0 && (
              <p>
                <Caption1>{t("panel.noAction")}</Caption1>
              </p>
            )}
            <div className="actions">
              {panel.actions.includes("takeCharge") && (
                <Button appearance="primary" disabled={busy} onClick={() => void run({ action: "takeCharge", version: panel.version })}>
                  {t("bot.caseLabels.takeCharge")}
                </Button>
              )}
              {panel.actions.includes("openPlan") && (
                <Button appearance="primary" disabled={busy} onClick={() => void run({ action: "openPlan", version: panel.version })}>
                  {t("bot.caseLabels.openPlan")}
                </Button>
              )}
              {panel.actions.includes("assign") && (
                <Button disabled={busy} aria-expanded={form === "assign"} onClick={() => setForm(form === "assign" ? null : "assign")}>
                  {t("panel.assign")}
                </Button>
              )}
              {panel.actions.includes("referToMlds") && (
                <Button disabled={busy} aria-expanded={form === "referToMlds"} onClick={() => setForm(form === "referToMlds" ? null : "referToMlds")}>
                  {t("panel.refer")}
                </Button>
              )}
              {panel.actions.includes("requestInfo") && (
                <Button disabled={busy} aria-expanded={form === "requestInfo"} onClick={() => setForm(form === "requestInfo" ? null : "requestInfo")}>
                  {t("bot.caseLabels.requestInfo")}
                </Button>
              )}
              {panel.actions.includes("dismiss") && (
                <Button disabled={busy} aria-expanded={form === "dismiss"} onClick={() => setForm(form === "dismiss" ? null : "dismiss")}>
                  {t("bot.caseLabels.dismiss")}
                </Button>
              )}
              {panel.actions.includes("transfer") && (
                <Button disabled={busy} aria-expanded={form === "transfer"} onClick={() => setForm(form === "transfer" ? null : "transfer")}>
                  {t("panel.transfer")}
                </Button>
              )}
            </div>
            {form === "transfer" && (
              <form className="action-form" noValidate onSubmit={submitForm} aria-label={t("panel.transfer")}>
                <p>{t("panel.transferExplained")}</p>
                <div className="school-search">
                  <Field label={t("panel.transferSearch")}>
                    <Input
                      value={schoolQuery}
                      maxLength={80}
                      onChange={(_, d) => setSchoolQuery(d.value)}
                      onKeyDown={(e) => {
                        if (e.key === "Enter") {
                          e.preventDefault();
                          void searchSchools();
                        }
                      }}
                      data-testid="transfer-search"
                    />
                  </Field>
                  <Button disabled={busy} onClick={() => void searchSchools()}>
                    {t("panel.transferFind")}
                  </Button>
                </div>
                {destinations && destinations.length === 0 && (
                  <p role="status">
                    <Caption1>{t("panel.transferNone")}</Caption1>
                  </p>
                )}
                {destinations && destinations.length > 0 && (
                  <Field label={t("panel.transferTo")} required>
                    <Select value={destination} onChange={(_, d) => setDestination(d.value)} data-testid="transfer-school">
                      <option value="">{t("panel.transferChoose", { count: destinations.length })}</option>
                      {destinations.map((s) => (
                        <option key={s.id} value={s.id}>
                          {s.name} ({s.uai}
                          {s.city ? `, ${s.city}` : ""})
                        </option>
                      ))}
                    </Select>
                  </Field>
                )}
                <Field label={t("panel.transferReason")} required>
                  <Textarea value={text} maxLength={500} onChange={(_, d) => setText(d.value)} placeholder={t("panel.transferReasonPlaceholder")} />
                </Field>
                <div className="actions">
                  <Button type="submit" appearance="primary" disabled={busy}>
                    {t("panel.transferConfirm")}
                  </Button>
                  <Button onClick={() => setForm(null)}>{t("panel.cancel")}</Button>
                </div>
              </form>
            )}
            {form === "assign" && (
              <form className="action-form" onSubmit={submitForm} aria-label={t("panel.assign")}>
                <Field label={t("panel.assignTo")} required>
                  <Select value={assignee} onChange={(_, d) => setAssignee(d.value)} required data-testid="assignee">
                    <option value="">{t("panel.chooseAssignee")}</option>
                    {panel.assignees.map((a) => (
                      <option key={a.id} value={a.id}>
                        {a.name} ({t(`bot.role.${a.role}`, { defaultValue: a.role })})
                      </option>
                    ))}
                  </Select>
                </Field>
                <div className="actions">
                  <Button type="submit" appearance="primary" disabled={busy}>
                    {t("panel.assignConfirm")}
                  </Button>
                  <Button onClick={() => setForm(null)}>{t("panel.cancel")}</Button>
                </div>
              </form>
            )}
            {form === "referToMlds" && (
              <form className="action-form" onSubmit={submitForm} aria-label={t("panel.refer")}>
                <p>{t("panel.referExplained")}</p>
                <div className="actions">
                  <Button type="submit" appearance="primary" disabled={busy}>
                    {t("panel.referConfirm")}
                  </Button>
                  <Button onClick={() => setForm(null)}>{t("panel.cancel")}</Button>
                </div>
              </form>
            )}
            {(form === "requestInfo" || form === "dismiss") && (
              <form className="action-form" onSubmit={submitForm}>
                <Field label={t(form === "requestInfo" ? "bot.caseLabels.question" : "bot.caseLabels.reason")} required>
                  <Textarea
                    value={text}
                    maxLength={500}
                    onChange={(_, d) => setText(d.value)}
                    placeholder={t(form === "requestInfo" ? "bot.caseLabels.questionPlaceholder" : "bot.caseLabels.reasonPlaceholder")}
                  />
                </Field>
                <div className="actions">
                  <Button type="submit" appearance="primary" disabled={busy}>
                    {t(form === "requestInfo" ? "bot.caseLabels.send" : "bot.caseLabels.dismissConfirm")}
                  </Button>
                  <Button onClick={() => setForm(null)}>{t("panel.cancel")}</Button>
                </div>
              </form>
            )}
            <p>
              <Caption1>{t("panel.inChat")}</Caption1>
            </p>

            <Subtitle2 as="h2">{t("panel.plan")}</Subtitle2>
            {panel.plan ? (
              <>
                <p>
                  <Body1Strong>{t("panel.objective")} : </Body1Strong>
                  {panel.plan.objective}
                </p>
                {panel.plan.actions.length > 0 && (
                  <ul aria-label={t("panel.planActions")}>
                    {panel.plan.actions.map((a, i) => (
                      <li key={i}>
                        {t(`bot.planAction.${a.type}`, { defaultValue: a.type })} · {a.description} (
                        {t(`bot.planActionStatus.${a.status}`, { defaultValue: a.status })})
                      </li>
                    ))}
                  </ul>
                )}
              </>
            ) : (
              <p>
                <Caption1>{t("panel.noPlan")}</Caption1>
              </p>
            )}

            <Subtitle2 as="h2">{t("panel.timeline")}</Subtitle2>
            {panel.timeline ? (
              <>
                {panel.timeline.some((e) => CONSULTATIONS.has(e.type)) && (
                  <Switch
                    checked={consultations}
                    onChange={(_, d) => setConsultations(d.checked)}
                    label={t("panel.consultations", { count: panel.timeline.filter((e) => CONSULTATIONS.has(e.type)).length })}
                  />
                )}
                <ol className="timeline" data-testid="timeline">
                  {panel.timeline
                    .filter((e) => consultations || !CONSULTATIONS.has(e.type))
                    .map((e, i) => (
                      <li key={i}>
                        <time dateTime={e.at}>{formatDate(e.at, lang, true)}</time> {t(`bot.event.${e.type}`, { defaultValue: e.type })}
                        {e.actorName ? ` ${t("panel.by", { name: e.actorName })}` : ""}
                      </li>
                    ))}
                </ol>
              </>
            ) : (
              <p>
                <Caption1>{t("panel.noTimeline")}</Caption1>
              </p>
            )}
          </>
        )}
      </DrawerBody>
    </OverlayDrawer>
  );
}
