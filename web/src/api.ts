/** The tab's JSON API (/api/tab/, src/http/tab-api.ts): the shapes it answers and one client that
 *  names the caller by a Teams SSO token, or by a demo person in local mode. */

export const CASE_STATUSES = ["NEW", "ACKNOWLEDGED", "INFO_REQUESTED", "PLAN_ACTIVE", "REVIEW_DUE", "CLOSED"] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
export type Sort = "newestOpenFirst" | "newest" | "oldest";

export type Me = {
  displayName: string;
  role: string;
  locale: string | null;
  mode: "sso" | "local";
  namesSearchable: boolean;
  schools: { id: string; name: string }[];
  /** Whether the caller sees statistics (« statistiques »), and may export the list of cases. */
  mayViewStats: boolean;
  mayExportCases: boolean;
  /** Whether the caller runs the « campagne d'appels » (a bassin's MLDS coordinator). */
  mayCall: boolean;
};

export type CaseLine = {
  reference: string;
  status: CaseStatus;
  urgency: number;
  reportedAt: string;
  school: { id: string; name: string };
  pupil: { name: string | null; initials: string; className: string | null } | null;
  assigneeName: string | null;
  nextReviewAt: string | null;
  late: "REVIEW_PASSED" | "NOT_TAKEN_IN_CHARGE" | null;
};

export type CaseList = {
  lines: CaseLine[];
  page: number;
  pageSize: number;
  total: number;
  counts: { status: CaseStatus; count: number }[];
  namesSearchable: boolean;
};

export type CasePanel = {
  caseId: string;
  reference: string;
  status: CaseStatus;
  urgency: number;
  version: number;
  school: { id: string; name: string; uai: string };
  pupil: { name: string; initials: string; className: string | null } | null;
  signals: { code: string; note: string | null }[];
  assigneeName: string | null;
  nextReviewAt: string | null;
  reportedAt: string;
  timeline: { type: string; at: string; actorName: string | null }[] | null;
  plan: { objective: string; nextReviewAt: string | null; actions: { type: string; description: string; status: string }[] } | null;
  actions: TabAction[];
  /** Who the case may be assigned to (only for who may assign it). */
  assignees: { id: string; name: string; role: string }[];
};

export type TabAction = "takeCharge" | "assign" | "requestInfo" | "openPlan" | "referToMlds" | "dismiss" | "transfer";
export type TabCommand =
  | { action: "takeCharge" | "openPlan" | "referToMlds"; version: number }
  | { action: "assign"; version: number; assigneeId: string }
  | { action: "requestInfo"; version: number; question: string }
  | { action: "dismiss"; version: number; reason: string }
  | { action: "transfer"; version: number; toSchoolId: string; reason: string };

/** An open school of the académie a case may be transferred to. */
export type Destination = { id: string; uai: string; name: string; city: string | null };

export const CALL_OUTCOMES = ["REACHED", "UNREACHABLE", "APPOINTMENT", "REFUSED"] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

/** GET /api/tab/calls: the young people of the imported lists still to call (services/calls.ts). */
export type CallList = {
  page: number;
  pages: number;
  total: number;
  pageSize: number;
  /** The Paris day on the server (YYYY-MM-DD). */
  today: string;
  entries: {
    reference: string;
    initials: string;
    schoolName: string;
    /** E.164, or null when the list gave none. */
    phone: string | null;
    email: string | null;
    attempts: number;
    lastCall: { outcome: CallOutcome; on: string } | null;
  }[];
};

export type CallInput = { outcome: CallOutcome; calledAt?: string; note?: string };
export type RecordedCall = { reference: string; outcome: CallOutcome; attempts: number; settled: boolean };
export type PsadLink = { url: string; expiresAt: string; districtName: string };

/** A count as the server may show it: null for 1 to 4 beyond one school (« < 5 »). */
export type Shown = number | null;

/** GET /api/tab/stats: the aggregates of « statistiques » in the chat (services/statistics.ts StatsView). */
export type Stats = {
  scope: { kind: "schools" | "district" | "academy"; label: string; uais: string[] };
  period: { kind: "schoolYear" | "month"; label: string; from: string; to: string };
  protect: boolean;
  generatedAt: string;
  months: { month: string; count: Shown }[];
  openedTotal: Shown;
  openByStatus: { status: CaseStatus; count: Shown }[];
  openTotal: Shown;
  signalFamilies: { family: string; count: Shown }[];
  outcomes: { kind: string; count: Shown }[];
  closedTotal: Shown;
  takeInCharge: { medianDays: number | null; cases: Shown };
  toPlan: { medianDays: number | null; cases: Shown };
  overdue: { withPlan: Shown; overdue: Shown; share: number | null };
  schools: { uai: string; name: string; opened: Shown; open: Shown; withPlan: Shown; overdue: Shown; share: number | null }[];
  periods: { kind: "schoolYear" | "month"; label: string }[];
};

export type ExportLink = { kind: "stats" | "cases"; url: string; expiresAt: string; period: string };

export type Filters = {
  status: CaseStatus[];
  school: string;
  urgency: string;
  age: "" | "under16" | "16plus";
  overdue: boolean;
  gpdsPending: boolean;
  sort: Sort;
  search: string;
  page: number;
};

export const NO_FILTERS: Filters = {
  status: [],
  school: "",
  urgency: "",
  age: "",
  overdue: false,
  gpdsPending: false,
  sort: "newestOpenFirst",
  search: "",
  page: 1,
};

export function queryOf(f: Filters): string {
  const q = new URLSearchParams();
  if (f.status.length > 0) q.set("status", f.status.join(","));
  if (f.school) q.set("school", f.school);
  if (f.urgency) q.set("urgency", f.urgency);
  if (f.age) q.set("age", f.age);
  if (f.overdue) q.set("overdue", "true");
  if (f.gpdsPending) q.set("gpdsPending", "true");
  if (f.sort !== "newestOpenFirst") q.set("sort", f.sort);
  if (f.search.trim()) q.set("search", f.search.trim());
  if (f.page > 1) q.set("page", String(f.page));
  return q.toString();
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** `message`: the server's own words for a refusal, in the caller's language. */
    readonly body: { error?: string; mode?: "sso" | "local"; message?: string },
  ) {
    super(`HTTP ${status}: ${body.error ?? ""}`);
  }
}

/** How a request names its caller. */
export type Credentials = { kind: "token"; get: () => Promise<string> } | { kind: "local"; person: string } | { kind: "none" };

export class TabApi {
  constructor(private readonly credentials: Credentials) {}

  me = () => this.request<Me>("GET", "/api/tab/me");
  cases = (f: Filters) => this.request<CaseList>("GET", `/api/tab/cases?${queryOf(f)}`);
  panel = (reference: string) => this.request<CasePanel>("GET", `/api/tab/cases/${encodeURIComponent(reference)}`);
  /** The case's panel after the action; only its reference when the caller no longer sees it (a transfer). */
  act = (reference: string, command: TabCommand) =>
    this.request<CasePanel | { reference: string; caseId?: undefined }>("POST", `/api/tab/cases/${encodeURIComponent(reference)}/actions`, command);
  destinations = (reference: string, q: string) =>
    this.request<{ schools: Destination[] }>("GET", `/api/tab/cases/${encodeURIComponent(reference)}/destinations?q=${encodeURIComponent(q)}`);
  calls = (page: number) => this.request<CallList>("GET", `/api/tab/calls${page > 1 ? `?page=${page}` : ""}`);
  recordCall = (reference: string, input: CallInput) => this.request<RecordedCall>("POST", `/api/tab/cases/${encodeURIComponent(reference)}/calls`, input);
  psadLink = () => this.request<PsadLink>("POST", "/api/tab/calls/export", {});
  stats = (period?: string) => this.request<Stats>("GET", `/api/tab/stats${period ? `?period=${encodeURIComponent(period)}` : ""}`);
  exportLink = (kind: "stats" | "cases", period?: string) => this.request<ExportLink>("POST", "/api/tab/stats/export", period ? { kind, period } : { kind });
  localPeople = () => this.request<{ people: { aadObjectId: string; displayName: string; role: string }[] }>("GET", "/api/tab/local/people");

  private async request<T>(method: "GET" | "POST", url: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.credentials.kind === "token") headers.authorization = `Bearer ${await this.credentials.get()}`;
    if (this.credentials.kind === "local") headers["x-repere-local-person"] = this.credentials.person;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(url, { method, headers, cache: "no-store", body: body === undefined ? undefined : JSON.stringify(body) });
    const json = (await res.json().catch(() => ({}))) as unknown;
    if (!res.ok) throw new ApiError(res.status, (json ?? {}) as ApiError["body"]);
    return json as T;
  }
}
