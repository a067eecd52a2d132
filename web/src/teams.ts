import { app, authentication } from "@microsoft/teams-js";

/** Inside Teams: its locale and a way to get the SSO token. Outside (a plain browser tab): null. */
export type TeamsHost = { locale: string; token: () => Promise<string>; subPageId: string | null };

export async function connectTeams(timeoutMs = 3000): Promise<TeamsHost | null> {
  // Teams always frames the tab; a page that is not framed is not in Teams.
  if (window.self === window.top) return null;
  try {
    await Promise.race([app.initialize(), new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), timeoutMs))]);
    const context = await app.getContext();
    app.notifySuccess();
    return { locale: context.app.locale, token: () => authentication.getAuthToken(), subPageId: context.page.subPageId ?? null };
  } catch {
    return null;
  }
}
