import { createHash } from "node:crypto";
import { digestInput, readCasePackage, type CasePackage, type CasePackageContent } from "../domain/case-package.js";

/** « sha256:<hex> » of a case package's canonical content (domain/case-package.ts digestInput). */
export function packageDigest(content: object): string {
  return `sha256:${createHash("sha256").update(digestInput(content), "utf8").digest("hex")}`;
}

export function sealPackage(content: CasePackageContent): CasePackage {
  return { ...content, digest: packageDigest(content) };
}

/** A received file read as a case package, its digest checked (domain/case-package.ts readCasePackage). */
export function readPackage(bytes: Uint8Array): ReturnType<typeof readCasePackage> {
  return readCasePackage(bytes, packageDigest);
}
