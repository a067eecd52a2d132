// The académie's directory: schools and bassins from the ministry's open data, people and their
// roles from the académie's staff list. Pure: files are decoded and stored elsewhere.
export * from "./records.js";
export * from "./uai.js";
export * from "./schools.js";
export * from "./bassins.js";
export * from "./functions.js";
export * from "./people.js";
export * from "./member-changes.js";
export * from "./file-kind.js";
