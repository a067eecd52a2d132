import {
  Badge,
  Button,
  Caption1,
  Checkbox,
  Field,
  Input,
  MessageBar,
  MessageBarBody,
  Select,
  Spinner,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  ToggleButton,
} from "@fluentui/react-components";
import i18next from "i18next";
import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from "react";
import { CASE_STATUSES, NO_FILTERS, type CaseLine, type CaseList, type CaseStatus, type Filters, type Me, type TabApi } from "./api";
import { CasePanelDrawer } from "./CasePanel";
import { formatDate, type Lang } from "./i18n";

const t = i18next.t.bind(i18next);

export const STATUS_COLOR: Record<CaseStatus, "informative" | "brand" | "warning" | "success" | "danger" | "subtle"> = {
  NEW: "danger",
  ACKNOWLEDGED: "brand",
  INFO_REQUESTED: "warning",
  PLAN_ACTIVE: "success",
  REVIEW_DUE: "warning",
  CLOSED: "subtle",
};

/** « Mes dossiers »: the counts per status, the filters, one page of the table, and the case panel. */
export function CasesView({ api, me, lang, initialCase = null }: { api: TabApi; me: Me; lang: Lang; initialCase?: string | null }) {
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [search, setSearch] = useState("");
  const [list, setList] = useState<CaseList | null>(null);
  const [failed, setFailed] = useState(false);
  const [open, setOpen] = useState<string | null>(initialCase);
  const [reload, setReload] = useState(0);
  const rows = useRef<(HTMLElement | null)[]>([]);

  useEffect(() => {
    let live = true;
    setFailed(false);
    api
      .cases(filters)
      .then((l) => live && setList(l))
      .catch(() => live && setFailed(true));
    return () => {
      live = false;
    };
  }, [api, filters, reload]);

  // The search is sent once typing pauses.
  useEffect(() => {
    const timer = setTimeout(() => setFilters((f) => (f.search === search ? f : { ...f, search, page: 1 })), 350);
    return () => clearTimeout(timer);
  }, [search]);

  const set = useCallback(
    <K extends keyof Filters>(key: K, value: Filters[K]) => setFilters((f) => ({ ...f, [key]: value, page: key === "page" ? (value as number) : 1 })),
    [],
  );
  const toggleStatus = (s: CaseStatus) => set("status", filters.status.includes(s) ? filters.status.filter((x) => x !== s) : [...filters.status, s]);

  const onRowKey = (e: KeyboardEvent<HTMLElement>, index: number, line: CaseLine) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      setOpen(line.reference);
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      rows.current[index + (e.key === "ArrowDown" ? 1 : -1)]?.focus();
    } else if (e.key === "Home" || e.key === "End") {
      e.preventDefault();
      const visible = rows.current.filter(Boolean);
      (e.key === "Home" ? visible[0] : visible[visible.length - 1])?.focus();
    }
  };

  // Back to the row the panel was opened from, for who goes on with the keyboard.
  const closePanel = useCallback(() => {
    const reference = open;
    setOpen(null);
    if (reference) setTimeout(() => document.querySelector<HTMLElement>(`tr[data-reference="${reference}"]`)?.focus(), 0);
  }, [open]);

  const pages = list ? Math.max(1, Math.ceil(list.total / list.pageSize)) : 1;
  const count = (s: CaseStatus) => list?.counts.find((c) => c.status === s)?.count ?? 0;
  const filtered = JSON.stringify({ ...filters, page: 1 }) !== JSON.stringify(NO_FILTERS);

  return (
    <>
      <section className="counts" aria-label={t("counts")}>
        {CASE_STATUSES.map((s) => (
          <ToggleButton key={s} size="small" shape="circular" checked={filters.status.includes(s)} onClick={() => toggleStatus(s)} data-status={s}>
            {t(`bot.status.${s}`)} <span className="count">{count(s)}</span>
          </ToggleButton>
        ))}
      </section>

      <section className="filters" aria-label={t("filters.label")}>
        <Field label={me.namesSearchable ? t("filters.searchNames") : t("filters.search")} className="search">
          <Input type="search" value={search} onChange={(_, d) => setSearch(d.value)} placeholder="D-2026-0042" data-testid="search" />
        </Field>
        {me.schools.length > 1 && (
          <Field label={t("filters.school")}>
            <Select value={filters.school} onChange={(_, d) => set("school", d.value)} data-testid="filter-school">
              <option value="">{t("filters.allSchools")}</option>
              {me.schools.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </Select>
          </Field>
        )}
        <Field label={t("filters.urgency")}>
          <Select value={filters.urgency} onChange={(_, d) => set("urgency", d.value)} data-testid="filter-urgency">
            <option value="">{t("filters.allUrgencies")}</option>
            {["1", "2", "3"].map((u) => (
              <option key={u} value={u}>
                {t(`bot.urgency.short${u}`)}
              </option>
            ))}
          </Select>
        </Field>
        <Field label={t("filters.age")}>
          <Select value={filters.age} onChange={(_, d) => set("age", d.value as Filters["age"])} data-testid="filter-age">
            <option value="">{t("filters.allAges")}</option>
            <option value="under16">{t("filters.under16")}</option>
            <option value="16plus">{t("filters.16plus")}</option>
          </Select>
        </Field>
        <Field label={t("filters.sort")}>
          <Select value={filters.sort} onChange={(_, d) => set("sort", d.value as Filters["sort"])} data-testid="sort">
            {(["newestOpenFirst", "newest", "oldest"] as const).map((s) => (
              <option key={s} value={s}>
                {t(`filters.${s}`)}
              </option>
            ))}
          </Select>
        </Field>
        <div className="checks">
          <Checkbox label={t("filters.overdue")} checked={filters.overdue} onChange={(_, d) => set("overdue", d.checked === true)} />
          <Checkbox label={t("filters.gpdsPending")} checked={filters.gpdsPending} onChange={(_, d) => set("gpdsPending", d.checked === true)} />
        </div>
        {filtered && (
          <Button
            appearance="subtle"
            onClick={() => {
              setSearch("");
              setFilters(NO_FILTERS);
            }}
          >
            {t("filters.reset")}
          </Button>
        )}
      </section>

      {failed && (
        <MessageBar intent="error">
          <MessageBarBody>{t("error")}</MessageBarBody>
          <Button onClick={() => setReload((n) => n + 1)}>{t("retry")}</Button>
        </MessageBar>
      )}
      {!list && !failed && <Spinner label={t("loading")} />}
      {list && (
        <>
          <Table className="cases" aria-label={t("table.caption", { total: list.total })} size="small">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>{t("table.reference")}</TableHeaderCell>
                <TableHeaderCell>{t("table.pupil")}</TableHeaderCell>
                <TableHeaderCell className="wide">{t("table.school")}</TableHeaderCell>
                <TableHeaderCell>{t("table.status")}</TableHeaderCell>
                <TableHeaderCell className="wide">{t("table.urgency")}</TableHeaderCell>
                <TableHeaderCell className="wide">{t("table.assignee")}</TableHeaderCell>
                <TableHeaderCell className="wide">{t("table.review")}</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {list.lines.length === 0 && (
                <TableRow>
                  <TableCell colSpan={7}>{t("table.empty")}</TableCell>
                </TableRow>
              )}
              {list.lines.map((line, i) => (
                <TableRow
                  key={line.reference}
                  ref={(el) => {
                    rows.current[i] = el;
                  }}
                  tabIndex={0}
                  className="case-row"
                  data-reference={line.reference}
                  aria-label={t("table.open", { reference: line.reference })}
                  onClick={() => setOpen(line.reference)}
                  onKeyDown={(e) => onRowKey(e, i, line)}
                >
                  <TableCell className="ref">{line.reference}</TableCell>
                  <TableCell>
                    {line.pupil ? (line.pupil.name ?? line.pupil.initials) : t("table.unknownPupil")}
                    {line.pupil?.className && <Caption1 className="sub">{line.pupil.className}</Caption1>}
                  </TableCell>
                  <TableCell className="wide">{line.school.name}</TableCell>
                  <TableCell>
                    <Badge appearance="tint" color={STATUS_COLOR[line.status]}>
                      {t(`bot.status.${line.status}`)}
                    </Badge>
                    {line.late && <Caption1 className="late">⚠ {t(`table.late.${line.late}`)}</Caption1>}
                  </TableCell>
                  <TableCell className="wide">{t(`bot.urgency.short${line.urgency}`)}</TableCell>
                  <TableCell className="wide">{line.assigneeName ?? ""}</TableCell>
                  <TableCell className="wide">{formatDate(line.nextReviewAt, lang)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          <nav className="pages" aria-label={t("pages.label")}>
            <Button disabled={filters.page <= 1} onClick={() => set("page", filters.page - 1)}>
              {t("pages.previous")}
            </Button>
            <span aria-live="polite">{t("pages.of", { page: filters.page, pages })}</span>
            <Button disabled={filters.page >= pages} onClick={() => set("page", filters.page + 1)}>
              {t("pages.next")}
            </Button>
          </nav>
        </>
      )}
      {open && <CasePanelDrawer api={api} reference={open} lang={lang} onClose={closePanel} onChanged={() => setReload((n) => n + 1)} />}
    </>
  );
}
