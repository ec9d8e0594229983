-- contactd schema, version 7: user and status administration, the built-in
-- CRM (R-FORM-1), Outbound Hub attempts (R-DISP-3) and forms (R-FORM-1/2).
ALTER TABLE users ADD COLUMN active boolean NOT NULL DEFAULT true,
                  ADD COLUMN capacity jsonb NOT NULL DEFAULT '{}';  -- {"webchat": 4}: per-channel overrides

-- Removed statuses stay (ids are never reused); their names become free.
ALTER TABLE statuses ADD COLUMN removed_at timestamptz;
ALTER TABLE statuses DROP CONSTRAINT statuses_name_key;
CREATE UNIQUE INDEX statuses_live_name ON statuses (name) WHERE removed_at IS NULL;

CREATE TABLE contacts (
  id          bigint PRIMARY KEY,
  name        text NOT NULL,
  fields      jsonb NOT NULL DEFAULT '{}',
  updated_at  timestamptz NOT NULL
);
-- An address belongs to at most one contact.
CREATE TABLE contact_addresses (
  channel     text NOT NULL,
  address     text NOT NULL,
  contact_id  bigint NOT NULL REFERENCES contacts (id),
  position    integer NOT NULL,
  PRIMARY KEY (channel, address)
);
CREATE INDEX contact_addresses_by_contact ON contact_addresses (contact_id, position);

CREATE TABLE attempts (
  id                   bigint PRIMARY KEY,
  campaign_id          bigint NOT NULL REFERENCES campaigns (id),
  channel              text NOT NULL,
  contact_id           bigint REFERENCES contacts (id),
  address              text NOT NULL,
  list                 text NOT NULL DEFAULT '',
  origin               text NOT NULL CHECK (origin IN ('list', 'reschedule')),
  from_interaction_id  bigint,
  due_at               timestamptz NOT NULL,
  state                text NOT NULL CHECK (state IN ('scheduled', 'started', 'cancelled')),
  interaction_id       bigint,           -- once started
  cancel_reason        text,
  created_by           bigint REFERENCES users (id),
  created_at           timestamptz NOT NULL,
  ended_at             timestamptz
);
CREATE INDEX attempts_scheduled ON attempts (campaign_id, due_at) WHERE state = 'scheduled';

ALTER TABLE interactions ADD COLUMN attempt_id bigint, ADD COLUMN contact_id bigint;
CREATE INDEX interactions_by_contact ON interactions (contact_id, created_at DESC) WHERE contact_id IS NOT NULL;

-- Saved form data: with an interaction, or through manual access (no interaction).
CREATE TABLE form_entries (
  id              bigserial PRIMARY KEY,
  campaign_id     bigint NOT NULL REFERENCES campaigns (id),
  interaction_id  bigint,
  user_id         bigint NOT NULL REFERENCES users (id),
  fields          jsonb NOT NULL,
  saved_at        timestamptz NOT NULL
);
CREATE INDEX form_entries_by_interaction ON form_entries (interaction_id, id DESC) WHERE interaction_id IS NOT NULL;

-- Unsaved forms: one per user per campaign (R-FORM-2).
CREATE TABLE form_drafts (
  user_id         bigint NOT NULL REFERENCES users (id),
  campaign_id     bigint NOT NULL REFERENCES campaigns (id),
  interaction_id  bigint,
  fields          jsonb NOT NULL,
  updated_at      timestamptz NOT NULL,
  PRIMARY KEY (user_id, campaign_id)
);
