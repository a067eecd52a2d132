import type { Store } from "../store/index.js";
import { ConversationService } from "./conversations.js";
import { HealthService } from "./health.js";
import { MemberService } from "./members.js";
import { ReportService } from "./reports.js";
import { RoutingService } from "./routing.js";
import { TriageService } from "./triage.js";
import { PlanService } from "./plans.js";
import { ReviewReminderService } from "./review-reminders.js";
import { AdministrationService } from "./administration.js";

export type Services = {
  conversations: ConversationService;
  members: MemberService;
  health: HealthService;
  reports: ReportService;
  routing: RoutingService;
  triage: TriageService;
  plans: PlanService;
  reviewReminders: ReviewReminderService;
  administration: AdministrationService;
};

export function createServices(store: Store, clock: () => Date = () => new Date()): Services {
  const routing = new RoutingService(store, clock);
  const triage = new TriageService(store, routing, clock);
  return {
    routing,
    reports: new ReportService(store, routing, clock),
    triage,
    plans: new PlanService(store, triage, clock),
    reviewReminders: new ReviewReminderService(store, clock),
    administration: new AdministrationService(store),
    conversations: new ConversationService(store),
    members: new MemberService(store),
    health: new HealthService(store),
  };
}

export type { Actor } from "./members.js";
export type { HealthReport } from "./health.js";
