-- contactd schema, version 1: directory, live state, sessions and the journal.
-- Query tables hold current state (the engine is rebuilt from them on start);
-- the journal holds every event, in order, as JSON.

CREATE TABLE campaigns (
  id          bigint PRIMARY KEY,
  name        text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL
);

CREATE TABLE statuses (
  id          bigint PRIMARY KEY,
  name        text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL
);

CREATE TABLE users (
  id              bigint PRIMARY KEY,
  login           text NOT NULL UNIQUE,
  display_name    text NOT NULL,
  profile         text NOT NULL CHECK (profile IN ('agent', 'supervisor', 'administrator', 'super_user')),
  password_hash   text NOT NULL,
  created_at      timestamptz NOT NULL,
  status_id       bigint REFERENCES statuses (id),
  status_since    timestamptz NOT NULL,
  connected       boolean NOT NULL DEFAULT false,
  presence_since  timestamptz NOT NULL
);

CREATE TABLE memberships (
  user_id      bigint NOT NULL REFERENCES users (id),
  campaign_id  bigint NOT NULL REFERENCES campaigns (id),
  since        timestamptz NOT NULL,
  PRIMARY KEY (user_id, campaign_id)
);
CREATE INDEX memberships_by_campaign ON memberships (campaign_id);

-- Login sessions. Tokens are stored only as hashes.
CREATE TABLE sessions (
  id          bigint PRIMARY KEY,
  user_id     bigint NOT NULL REFERENCES users (id),
  token_hash  text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  ended_at    timestamptz,
  end_reason  text
);
CREATE INDEX sessions_live ON sessions (expires_at) WHERE ended_at IS NULL;

CREATE TABLE journal (
  seq      bigint PRIMARY KEY,
  at       timestamptz NOT NULL,
  type     text NOT NULL,
  payload  jsonb NOT NULL
);
