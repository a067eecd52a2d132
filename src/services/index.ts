import type { Store } from "../store/index.js";
import { ConversationService } from "./conversations.js";
import { HealthService } from "./health.js";
import { MemberService } from "./members.js";
import { ReportService } from "./reports.js";

export type Services = {
  conversations: ConversationService;
  members: MemberService;
  health: HealthService;
  reports: ReportService;
};

export function createServices(store: Store, clock: () => Date = () => new Date()): Services {
  return {
    reports: new ReportService(store, clock),
    conversations: new ConversationService(store),
    members: new MemberService(store),
    health: new HealthService(store),
  };
}

export type { Actor } from "./members.js";
export type { HealthReport } from "./health.js";
