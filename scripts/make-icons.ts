import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PNG } from "pngjs";

/** Draws the two Teams app icons with simple geometry, anti-aliased by supersampling:
 *  - manifest/color.png, 192x192: a solid deep blue square (Teams rounds the tile itself) with a
 *    white ring (a "repère", a landmark) and a white check mark inside it;
 *  - manifest/outline.png, 32x32: the same ring and check mark, white on transparent (Teams
 *    requires pure white pixels, only the alpha varies).
 *  Run with `npm run icons`; the PNGs are committed, so this only runs when the design changes. */

export const MANIFEST_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../manifest");

/** The accent colour of the app (also `accentColor` in manifest.json). */
export const ACCENT = { r: 0x1f, g: 0x3a, b: 0x8a };

type Point = { x: number; y: number };

/** Shapes in a unit square (0..1), so that both sizes share one design. */
type Shape = (p: Point) => boolean;

function distanceToSegment(p: Point, a: Point, b: Point): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const t = Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

const ring =
  (cx: number, cy: number, radius: number, width: number): Shape =>
  (p) =>
    Math.abs(Math.hypot(p.x - cx, p.y - cy) - radius) <= width / 2;

const polyline =
  (points: Point[], width: number): Shape =>
  (p) =>
    points.slice(1).some((b, i) => distanceToSegment(p, points[i]!, b) <= width / 2);

/** The mark: a ring with a check mark, drawn thicker on the small icon so that it stays legible. */
function mark(stroke: number): Shape {
  const circle = ring(0.5, 0.5, 0.34, stroke);
  const check = polyline(
    [
      { x: 0.35, y: 0.52 },
      { x: 0.46, y: 0.63 },
      { x: 0.66, y: 0.39 },
    ],
    stroke,
  );
  return (p) => circle(p) || check(p);
}

/** Fraction of the pixel (x, y) covered by the shape, sampled on an n x n grid. */
function coverage(shape: Shape, size: number, x: number, y: number, n = 4): number {
  let hits = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (shape({ x: (x + (i + 0.5) / n) / size, y: (y + (j + 0.5) / n) / size })) hits++;
    }
  }
  return hits / (n * n);
}

function setPixel(png: PNG, x: number, y: number, rgba: [number, number, number, number]): void {
  const i = (png.width * y + x) * 4;
  png.data[i] = rgba[0];
  png.data[i + 1] = rgba[1];
  png.data[i + 2] = rgba[2];
  png.data[i + 3] = rgba[3];
}

export function drawColorIcon(size = 192): Buffer {
  const png = new PNG({ width: size, height: size, colorType: 6 });
  const symbol = mark(0.075);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const fg = coverage(symbol, size, x, y);
      // White over an opaque blue background.
      const mix = (c: number) => Math.round(c * (1 - fg) + 255 * fg);
      setPixel(png, x, y, [mix(ACCENT.r), mix(ACCENT.g), mix(ACCENT.b), 255]);
    }
  }
  return PNG.sync.write(png, { colorType: 6 });
}

export function drawOutlineIcon(size = 32): Buffer {
  const png = new PNG({ width: size, height: size, colorType: 6 });
  const symbol = mark(0.1);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const a = Math.round(255 * coverage(symbol, size, x, y, 8));
      // Fully transparent pixels are written as 0,0,0,0 by convention; visible ones are pure white.
      setPixel(png, x, y, a === 0 ? [0, 0, 0, 0] : [255, 255, 255, a]);
    }
  }
  return PNG.sync.write(png, { colorType: 6 });
}

export function writeIcons(dir = MANIFEST_DIR): string[] {
  const files = [path.join(dir, "color.png"), path.join(dir, "outline.png")];
  writeFileSync(files[0]!, drawColorIcon());
  writeFileSync(files[1]!, drawOutlineIcon());
  return files;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const f of writeIcons()) console.log(`wrote ${path.relative(process.cwd(), f)}`);
}
