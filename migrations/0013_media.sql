-- contactd schema, version 13: the media store (issue 12, R-MSG-2/3). One row
-- per stored file; the file is <media directory>/ab/cd/<id>. Rows are kept
-- after the sweep deletes a file (deleted_at), so history still names it.
CREATE TABLE attachments (
  id              text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{32}$'),  -- 128 random bits, hex
  filename        text NOT NULL,
  content_type    text NOT NULL,           -- sniffed from the content: what downloads send
  kind            text NOT NULL CHECK (kind IN ('image', 'audio', 'video', 'document')),
  size_bytes      bigint NOT NULL CHECK (size_bytes > 0),
  sha256          text NOT NULL,           -- hex
  owner_id        bigint REFERENCES users (id),  -- the uploader; NULL for provider media
  created_at      timestamptz NOT NULL,
  interaction_id  bigint,                  -- bound when a message uses it (no FK: binding may precede the projection)
  source          text NOT NULL CHECK (source IN ('upload', 'provider')),
  deleted_at      timestamptz              -- the sweep removed the file
);
CREATE INDEX attachments_by_interaction ON attachments (interaction_id) WHERE deleted_at IS NULL;
CREATE INDEX attachments_unbound ON attachments (created_at) WHERE interaction_id IS NULL AND deleted_at IS NULL;
