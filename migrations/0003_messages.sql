-- contactd schema, version 3: messages of text interactions.
CREATE TABLE messages (
  id              bigint PRIMARY KEY,
  interaction_id  bigint NOT NULL REFERENCES interactions (id),
  sender          text NOT NULL CHECK (sender IN ('customer', 'agent', 'bot')),
  author_id       bigint REFERENCES users (id),
  author_name     text NOT NULL,
  body            text NOT NULL,
  attachments     jsonb NOT NULL DEFAULT '[]',  -- [{filename, size_bytes, reference, voice}]
  created_at      timestamptz NOT NULL
);
CREATE INDEX messages_by_interaction ON messages (interaction_id, id);

ALTER TABLE interactions ADD COLUMN customer_left_at timestamptz;
