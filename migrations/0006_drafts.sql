-- contactd schema, version 6: drafts of the new-interaction form (R-OUT-6).
CREATE TABLE drafts (
  user_id     bigint NOT NULL REFERENCES users (id),
  channel     text NOT NULL,
  campaign_id bigint,                       -- the campaign picked in the form, if any
  fields      jsonb NOT NULL DEFAULT '{}',  -- {"number": "...", "message": "...", ...}
  updated_at  timestamptz NOT NULL,
  PRIMARY KEY (user_id, channel)
);
