import {
  Button,
  Caption1,
  Field,
  Input,
  MessageBar,
  MessageBarBody,
  Select,
  Spinner,
  Subtitle2,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Textarea,
} from "@fluentui/react-components";
import i18next from "i18next";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { ApiError, CALL_OUTCOMES, type CallList, type CallOutcome, type PsadLink, type TabApi } from "./api";
import { formatDate, type Lang } from "./i18n";

const t = i18next.t.bind(i18next);
/** The note's limit (domain/call-campaign.ts CALL_LIMITS.noteMax). */
const NOTE_MAX = 200;

/** A French number as people write it (06 12 34 56 78); others as stored (domain/call-campaign.ts). */
export function displayPhone(e164: string): string {
  const m = /^\+33(\d)(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(e164);
  return m ? `0${m[1]} ${m[2]} ${m[3]} ${m[4]} ${m[5]}` : e164;
}

/** A Paris calendar day (YYYY-MM-DD) as a date to show. */
const dayLabel = (day: string, lang: Lang) => formatDate(`${day}T12:00:00Z`, lang);

type Notice = { intent: "success" | "error"; text: string } | null;

/** « Appels »: the chat's « campagne d'appels » for the bassin's MLDS coordinators: who to call (the
 *  phone and e-mail the imported list gave, shown to them only), the last call, a form to record a
 *  call's outcome, and the audited PSAD export behind a signed link. */
export function CallsView({ api, lang }: { api: TabApi; lang: Lang }) {
  const [page, setPage] = useState(1);
  const [list, setList] = useState<CallList | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const [reload, setReload] = useState(0);
  const [selected, setSelected] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<CallOutcome | "">("");
  const [calledAt, setCalledAt] = useState("");
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<Notice>(null);
  const [link, setLink] = useState<PsadLink | null>(null);
  const [exportFailed, setExportFailed] = useState<string | null>(null);
  const noticeRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let live = true;
    setFailed(null);
    api
      .calls(page)
      .then((l) => {
        if (!live) return;
        setList(l);
        // The server may show another page (the list got shorter since).
        if (l.page !== page) setPage(l.page);
      })
      .catch((err: unknown) => live && setFailed(err instanceof ApiError && err.body.message ? err.body.message : t("error")));
    return () => {
      live = false;
    };
  }, [api, page, reload]);

  useEffect(() => {
    if (notice) noticeRef.current?.focus();
  }, [notice]);

  const open = (reference: string) => {
    setSelected(selected === reference ? null : reference);
    setOutcome("");
    setCalledAt(list?.today ?? "");
    setNote("");
    setNotice(null);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!selected) return;
    if (!outcome) return setNotice({ intent: "error", text: t("bot.calls.notice.outcome") });
    setBusy(true);
    setNotice(null);
    try {
      const done = await api.recordCall(selected, { outcome, ...(calledAt ? { calledAt } : {}), ...(note.trim() ? { note } : {}) });
      const said = t(`bot.calls.outcome.${done.outcome}`);
      setNotice({
        intent: "success",
        text: done.settled
          ? t("bot.calls.recorded", { reference: done.reference, outcome: said })
          : t("bot.calls.recordedStays", { reference: done.reference, outcome: said, count: done.attempts }),
      });
      setSelected(null);
      setReload((n) => n + 1);
    } catch (err) {
      setNotice({ intent: "error", text: err instanceof ApiError && err.body.message ? err.body.message : t("error") });
    } finally {
      setBusy(false);
    }
  };

  const exportPsad = async () => {
    setBusy(true);
    setExportFailed(null);
    try {
      setLink(await api.psadLink());
    } catch (err) {
      setExportFailed(err instanceof ApiError && err.body.message ? err.body.message : t("error"));
    } finally {
      setBusy(false);
    }
  };

  if (failed)
    return (
      <MessageBar intent="error">
        <MessageBarBody>{failed}</MessageBarBody>
      </MessageBar>
    );
  if (!list) return <Spinner label={t("loading")} />;
  const entry = list.entries.find((e) => e.reference === selected) ?? null;

  return (
    <section className="calls" aria-labelledby="calls-title">
      <Subtitle2 as="h2" id="calls-title">
        {t("bot.calls.title")}
      </Subtitle2>
      <p>
        <Caption1>{t("calls.hint")}</Caption1>
      </p>
      <div ref={noticeRef} tabIndex={-1} className="notice">
        {notice && (
          <MessageBar intent={notice.intent} role="status" data-testid="calls-notice">
            <MessageBarBody>{notice.text}</MessageBarBody>
          </MessageBar>
        )}
      </div>
      {list.entries.length === 0 ? (
        <p data-testid="calls-empty">{t("bot.calls.empty")}</p>
      ) : (
        <>
          <div className="table-scroll">
            <Table size="small" aria-label={t("calls.caption", { total: list.total })} data-testid="calls-table">
              <TableHeader>
                <TableRow>
                  <TableHeaderCell scope="col">{t("calls.young")}</TableHeaderCell>
                  <TableHeaderCell scope="col" className="wide">
                    {t("table.school")}
                  </TableHeaderCell>
                  <TableHeaderCell scope="col">{t("calls.contact")}</TableHeaderCell>
                  <TableHeaderCell scope="col">{t("calls.lastCall")}</TableHeaderCell>
                  <TableHeaderCell scope="col">
                    <span className="visually-hidden">{t("panel.actions")}</span>
                  </TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {list.entries.map((e) => (
                  <TableRow key={e.reference} className="call-row" data-reference={e.reference}>
                    <TableCell>
                      <span className="ref">{e.reference}</span>
                      <Caption1 className="sub">{e.initials}</Caption1>
                    </TableCell>
                    <TableCell className="wide">{e.schoolName}</TableCell>
                    <TableCell>
                      {e.phone ? <a href={`tel:${e.phone}`}>{displayPhone(e.phone)}</a> : <Caption1>{t("bot.calls.noPhone")}</Caption1>}
                      {e.email && (
                        <Caption1 className="sub">
                          <a href={`mailto:${e.email}`}>{e.email}</a>
                        </Caption1>
                      )}
                    </TableCell>
                    <TableCell data-testid="last-call">
                      {e.lastCall ? (
                        <>
                          {t(`bot.calls.outcome.${e.lastCall.outcome}`)} · {dayLabel(e.lastCall.on, lang)}
                          <Caption1 className="sub">{t("calls.attempts", { count: e.attempts })}</Caption1>
                        </>
                      ) : (
                        <Caption1>{t("calls.never")}</Caption1>
                      )}
                    </TableCell>
                    <TableCell>
                      <Button
                        size="small"
                        aria-expanded={selected === e.reference}
                        aria-label={t("calls.recordFor", { reference: e.reference })}
                        onClick={() => open(e.reference)}
                      >
                        {t("bot.calls.record")}
                      </Button>
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </div>
          {entry && (
            <form className="action-form" noValidate onSubmit={(e) => void submit(e)} aria-label={t("calls.recordFor", { reference: entry.reference })}>
              <Subtitle2 as="h3">{t("calls.recordFor", { reference: entry.reference })}</Subtitle2>
              <Field label={t("bot.calls.outcomeLabel")} required>
                <Select value={outcome} onChange={(_, d) => setOutcome(d.value as CallOutcome | "")} data-testid="call-outcome">
                  <option value="">{t("calls.chooseOutcome")}</option>
                  {CALL_OUTCOMES.map((o) => (
                    <option key={o} value={o}>
                      {t(`bot.calls.outcome.${o}`)}
                    </option>
                  ))}
                </Select>
              </Field>
              <Field label={t("bot.calls.dateLabel")}>
                <Input type="date" value={calledAt} max={list.today} onChange={(_, d) => setCalledAt(d.value)} data-testid="call-date" />
              </Field>
              <Field label={t("bot.calls.noteLabel")}>
                <Textarea value={note} maxLength={NOTE_MAX} placeholder={t("bot.calls.notePlaceholder")} onChange={(_, d) => setNote(d.value)} />
              </Field>
              <div className="actions">
                <Button type="submit" appearance="primary" disabled={busy}>
                  {t("bot.calls.save")}
                </Button>
                <Button onClick={() => setSelected(null)}>{t("panel.cancel")}</Button>
              </div>
            </form>
          )}
          {list.pages > 1 && (
            <nav className="pages" aria-label={t("pages.label")}>
              <Button disabled={list.page <= 1} onClick={() => setPage(list.page - 1)}>
                {t("pages.previous")}
              </Button>
              <span aria-live="polite">{t("pages.of", { page: list.page, pages: list.pages })}</span>
              <Button disabled={list.page >= list.pages} onClick={() => setPage(list.page + 1)}>
                {t("pages.next")}
              </Button>
            </nav>
          )}
        </>
      )}

      <Subtitle2 as="h3">{t("calls.psad")}</Subtitle2>
      <p>
        <Caption1>{t("bot.calls.export.subtitle")}</Caption1>
      </p>
      <div className="actions">
        <Button disabled={busy} onClick={() => void exportPsad()}>
          {t("calls.psadButton")}
        </Button>
      </div>
      <div role="status">
        {exportFailed && (
          <MessageBar intent="error">
            <MessageBarBody>{exportFailed}</MessageBarBody>
          </MessageBar>
        )}
        {link && (
          <p className="export-link">
            <a href={link.url} download data-testid="psad-link">
              {t("calls.psadFile", { district: link.districtName })}
            </a>{" "}
            <Caption1>{t("stats.linkValid", { time: formatDate(link.expiresAt, lang, true) })}</Caption1>
          </p>
        )}
      </div>
    </section>
  );
}
