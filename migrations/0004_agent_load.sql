-- contactd schema, version 4: what strategies need to stay fair across restarts.
ALTER TABLE users
  ADD COLUMN idle_since timestamptz,            -- last time the agent had nothing active
  ADD COLUMN talk_ms bigint NOT NULL DEFAULT 0; -- accumulated handling time
