import { Badge, Button, Field, MessageBar, MessageBarBody, Select, Spinner, Text, Title2, ToggleButton } from "@fluentui/react-components";
import i18next from "i18next";
import { useCallback, useEffect, useMemo, useState, type ReactNode } from "react";
import { ApiError, TabApi, type Credentials, type Me } from "./api";
import { CallsView } from "./CallsView";
import { CasesView } from "./CasesView";
import { StatsView } from "./StatsView";
import type { Lang } from "./i18n";
import type { TeamsHost } from "./teams";

const t = i18next.t.bind(i18next);
const LOCAL_KEY = "repere.localPerson";

type LocalPerson = { aadObjectId: string; displayName: string; role: string };
type Section = "cases" | "stats" | "calls";
type State = { kind: "loading" } | { kind: "ready"; me: Me } | { kind: "pickPerson" } | { kind: "outsideTeams" } | { kind: "notAllowed" } | { kind: "error" };

/** The tab's shell: who is calling (Teams SSO, or a demo person in local mode), then the cases. */
export function App({ teams, lang }: { teams: TeamsHost | null; lang: Lang }) {
  const [person, setPerson] = useState<string | null>(
    () => new URLSearchParams(window.location.search).get("localPerson") ?? sessionStorage.getItem(LOCAL_KEY),
  );
  const [people, setPeople] = useState<LocalPerson[] | null>(null);
  const [state, setState] = useState<State>({ kind: "loading" });
  const [attempt, setAttempt] = useState(0);
  const [section, setSection] = useState<Section>("cases");
  // A case link (/dossiers/D-2026-0042, the message extension's card) opens the tab on that case:
  // Teams names it as the sub-page, a browser as ?case=.
  const initialCase = useMemo(() => {
    const wanted = teams?.subPageId ?? new URLSearchParams(window.location.search).get("case");
    return wanted && /^D-\d{4}-\d{1,8}$/.test(wanted) ? wanted : null;
  }, [teams]);

  const credentials: Credentials = useMemo(
    () => (teams ? { kind: "token", get: teams.token } : person ? { kind: "local", person } : { kind: "none" }),
    [teams, person],
  );
  const api = useMemo(() => new TabApi(credentials), [credentials]);

  useEffect(() => {
    let live = true;
    setState({ kind: "loading" });
    api
      .me()
      .then((me) => live && setState({ kind: "ready", me }))
      .catch(async (err: unknown) => {
        if (!live) return;
        if (err instanceof ApiError && err.status === 401) {
          if (err.body.mode !== "local" || teams) return setState({ kind: "outsideTeams" });
          const list = await api.localPeople().catch(() => ({ people: [] }));
          if (!live) return;
          setPeople(list.people);
          return setState({ kind: "pickPerson" });
        }
        if (err instanceof ApiError && err.status === 403) return setState({ kind: "notAllowed" });
        setState({ kind: "error" });
      });
    return () => {
      live = false;
    };
  }, [api, teams, attempt]);

  // In local mode, the picker stays at hand to act as someone else.
  useEffect(() => {
    if (state.kind === "ready" && state.me.mode === "local" && people === null) {
      void api
        .localPeople()
        .then((l) => setPeople(l.people))
        .catch(() => setPeople([]));
    }
  }, [state, people, api]);

  const choose = useCallback((id: string) => {
    if (id) sessionStorage.setItem(LOCAL_KEY, id);
    else sessionStorage.removeItem(LOCAL_KEY);
    setPerson(id || null);
  }, []);

  const local = state.kind === "pickPerson" || (state.kind === "ready" && state.me.mode === "local");
  // The views the caller may open: the statistics and the call campaign only for who may use them.
  const sections: Section[] =
    state.kind === "ready" ? ["cases", ...(state.me.mayViewStats ? (["stats"] as const) : []), ...(state.me.mayCall ? (["calls"] as const) : [])] : ["cases"];
  const shown: Section = sections.includes(section) ? section : "cases";
  return (
    <div className="shell">
      <header className="top">
        <Title2 as="h1">{t("title")}</Title2>
        {state.kind === "ready" && (
          <Text className="who">
            {state.me.displayName} · {t(`bot.role.${state.me.role}`)}
          </Text>
        )}
      </header>
      {local && (
        <section className="local" aria-label={t("local.badge")}>
          <Badge color="warning" appearance="filled">
            {t("local.badge")}
          </Badge>
          <Text>{t("local.notice")}</Text>
          {people && people.length === 0 ? (
            <Text>{t("local.none")}</Text>
          ) : (
            <Field label={t("local.person")} className="local-field">
              <Select value={person ?? ""} onChange={(_, d) => choose(d.value)} data-testid="local-person">
                <option value="">{t("local.choose")}</option>
                {(people ?? []).map((p) => (
                  <option key={p.aadObjectId} value={p.aadObjectId}>
                    {p.displayName} ({t(`bot.role.${p.role}`)})
                  </option>
                ))}
              </Select>
            </Field>
          )}
        </section>
      )}
      <main>
        {state.kind === "loading" && <Spinner label={t("loading")} />}
        {state.kind === "outsideTeams" && <Notice text={t("outsideTeams")} />}
        {state.kind === "notAllowed" && <Notice text={t("notAllowed")} />}
        {state.kind === "error" && (
          <Notice text={t("error")} intent="error">
            <Button onClick={() => setAttempt((n) => n + 1)}>{t("retry")}</Button>
          </Notice>
        )}
        {state.kind === "ready" && sections.length > 1 && (
          // Buttons rather than Fluent's TabList, whose focus sentinels axe reports (aria-hidden-focus).
          <nav className="sections" aria-label={t("nav.label")} data-testid="sections">
            {sections.map((s) => (
              <ToggleButton key={s} appearance="subtle" checked={shown === s} aria-current={shown === s ? "page" : undefined} onClick={() => setSection(s)}>
                {t(`nav.${s}`)}
              </ToggleButton>
            ))}
          </nav>
        )}
        {state.kind === "ready" && shown === "cases" && <CasesView key={person ?? "sso"} api={api} me={state.me} lang={lang} initialCase={initialCase} />}
        {state.kind === "ready" && shown === "stats" && <StatsView key={person ?? "sso"} api={api} me={state.me} lang={lang} />}
        {state.kind === "ready" && shown === "calls" && <CallsView key={person ?? "sso"} api={api} lang={lang} />}
      </main>
    </div>
  );
}

function Notice({ text, intent = "info", children }: { text: string; intent?: "info" | "error"; children?: ReactNode }) {
  return (
    <MessageBar intent={intent}>
      <MessageBarBody>{text}</MessageBarBody>
      {children}
    </MessageBar>
  );
}
