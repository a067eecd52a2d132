import { FluentProvider, teamsDarkTheme, teamsHighContrastTheme, teamsLightTheme } from "@fluentui/react-components";
import { app } from "@microsoft/teams-js";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { initI18n, pickLang } from "./i18n";
import { connectTeams } from "./teams";

async function start(): Promise<void> {
  const teams = await connectTeams();
  const params = new URLSearchParams(window.location.search);
  const lang = pickLang(params.get("lang"), params.get("locale"), teams?.locale, ...(teams ? [] : navigator.languages));
  await initI18n(lang);
  let theme = teamsLightTheme;
  if (teams) {
    const pick = (name: string | undefined) => (name === "dark" ? teamsDarkTheme : name === "contrast" ? teamsHighContrastTheme : teamsLightTheme);
    theme = pick((await app.getContext()).app.theme);
  }
  const root = createRoot(document.getElementById("root")!);
  const render = (t: typeof theme) =>
    root.render(
      <StrictMode>
        <FluentProvider theme={t}>
          <App teams={teams} lang={lang} />
        </FluentProvider>
      </StrictMode>,
    );
  render(theme);
  if (teams)
    app.registerOnThemeChangeHandler((name) => render(name === "dark" ? teamsDarkTheme : name === "contrast" ? teamsHighContrastTheme : teamsLightTheme));
}

void start();
