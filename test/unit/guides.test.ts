import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const GUIDES = path.join(ROOT, "docs/guides");
const READERS = ["enseignant.md", "referent-gpds.md", "coordonnateur-mlds.md", "administrateur.md"];

/** Relative targets of the markdown links and images of a file (anchors and web addresses left out). */
function localLinks(file: string): { text: string; target: string }[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/!?\[([^\]]*)\]\(([^)\s]+)\)/g)]
    .map((m) => ({ text: m[1]!, target: m[2]!.split("#")[0]! }))
    .filter((l) => l.target !== "" && !/^[a-z]+:/.test(l.target));
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchor(heading: string): string {
  return heading
    .replace(/`/g, "")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

describe("the README", () => {
  it("links within itself only to headings it has (the contents included)", () => {
    const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
    const anchors = new Set([...readme.matchAll(/^#{1,4} (.+)$/gm)].map((m) => anchor(m[1]!)));
    const links = [...readme.matchAll(/\]\(#([^)]+)\)/g)].map((m) => decodeURIComponent(m[1]!));
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) expect(anchors, `README links to #${link}`).toContain(link);
  });
});

describe("the guides for each reader (docs/guides)", () => {
  it("exist, are listed in their index and in the README, and show the product in pictures", () => {
    const index = readFileSync(path.join(GUIDES, "README.md"), "utf8");
    const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
    for (const guide of READERS) {
      expect(index, `docs/guides/README.md lists ${guide}`).toContain(`(${guide})`);
      expect(readme, `the README points to ${guide}`).toContain(`docs/guides/${guide}`);
    }
    for (const guide of READERS.filter((g) => g !== "administrateur.md")) {
      const images = localLinks(path.join(GUIDES, guide)).filter((l) => /\.png$/.test(l.target));
      expect(images.length, `${guide} has screenshots`).toBeGreaterThan(0);
      for (const image of images) expect(image.text, `${guide}: ${image.target} has a French description`).toMatch(/[a-zà-ÿ]{3}/i);
    }
  });

  it("link only to files that exist, pictures included", () => {
    const files = readdirSync(GUIDES)
      .filter((f) => f.endsWith(".md"))
      .map((f) => path.join(GUIDES, f));
    for (const file of files) {
      for (const link of localLinks(file)) {
        expect(existsSync(path.resolve(path.dirname(file), link.target)), `${path.relative(ROOT, file)} links to ${link.target}`).toBe(true);
      }
    }
  });
});
