-- contactd schema, version 2: campaign settings, membership details, and the
-- interactions that are not yet closed (the engine reloads them on start).

ALTER TABLE campaigns
  ADD COLUMN settings jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN archived boolean NOT NULL DEFAULT false;

ALTER TABLE memberships
  ADD COLUMN position integer NOT NULL DEFAULT 0,        -- rank for the agent_order strategy
  ADD COLUMN outbound text[] NOT NULL DEFAULT '{}';      -- channels the user may start in

CREATE TABLE interactions (
  id            bigint PRIMARY KEY,
  campaign_id   bigint NOT NULL REFERENCES campaigns (id),
  channel       text NOT NULL,
  direction     text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  state         text NOT NULL CHECK (state IN ('bot', 'pending', 'active', 'finished', 'closed')),
  customer      text NOT NULL,
  priority      integer NOT NULL DEFAULT 0,
  owner_id      bigint REFERENCES users (id),
  created_at    timestamptz NOT NULL,
  queued_at     timestamptz,
  assigned_at   timestamptz,
  finished_at   timestamptz,
  closed_at     timestamptz,
  bot_deadline  timestamptz,
  transfer      jsonb,   -- {from, to_agent, to_campaign, from_campaign, deadline_ms} while one is pending
  disposition   jsonb    -- {path, comment, reschedule_at_ms} once saved
);
CREATE INDEX interactions_open ON interactions (campaign_id, state) WHERE state <> 'closed';
CREATE INDEX interactions_by_owner ON interactions (owner_id) WHERE state IN ('active', 'finished');
