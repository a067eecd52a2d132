// Run by `npm install` (postinstall): prepares the embedded database, created and migrated, that a
// first `npm start` copies instead of making one (src/store/pglite-template.ts). Never fails the install: without
// the template the bot creates its database itself, only more slowly.
import { ensureEmbeddedTemplates } from "../src/store/index.js";

const started = Date.now();
try {
  const dir = await ensureEmbeddedTemplates();
  console.log(`Embedded database template ready in ${dir} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
} catch (err) {
  console.warn(`Embedded database template not made (${(err as Error).message}); the first start will create the database itself.`);
}
