-- contactd schema, version 15: a template's id at its provider (issue 12).
-- Gupshup sends a template by its own template UUID, not by name; Meta
-- addresses templates by name and language, so its rows keep ''.
ALTER TABLE templates
  ADD COLUMN provider_template_id text NOT NULL DEFAULT '';
