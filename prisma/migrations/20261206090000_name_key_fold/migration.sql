-- Pupil names are compared with hyphens and spaces alike and apostrophes dropped
-- ("Lefèvre-Nguyen" = "Lefèvre Nguyen", "N'Diaye" = "Ndiaye", src/domain/text.ts nameKey).
-- The former key was already lower-cased, accent-free and single-spaced, with one apostrophe:
-- the new key is that key folded the same way, so no name needs reading again.
UPDATE "Pupil"
   SET "nameKey" = btrim(regexp_replace(replace("nameKey", '''', ''), '[[:space:]-]+', ' ', 'g'))
 WHERE "nameKey" ~ '[''-]';
