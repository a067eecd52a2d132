// The pure domain of Repère: no I/O, only rules and catalogues.
export * from "./text.js";
export * from "./signals.js";
export * from "./reference.js";
export * from "./roles.js";
export * from "./lifecycle.js";
export * from "./school-year.js";
export * from "./query-parser.js";
export * from "./permissions.js";
export * from "./routing.js";
export * from "./plan-catalogue.js";
export * from "./idle-cases.js";
