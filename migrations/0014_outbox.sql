-- contactd schema, version 14: the provider channels' inbox and outbox.
--
-- channel_inbox: every item a provider's webhook delivered (an inbound
-- message or a delivery status), normalised, stored before the webhook is
-- answered. (account_id, dedupe_key) is unique, so a redelivered webhook
-- stores nothing new. processed_at is set in the same transaction as the
-- events the item produced (messages) or once the engine has settled it
-- (statuses, refusals); rows still unprocessed at start are fed again.
CREATE TABLE channel_inbox (
  id            bigserial PRIMARY KEY,
  account_id    bigint NOT NULL,
  dedupe_key    text NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('message', 'status')),
  payload       jsonb NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now(),
  processed_at  timestamptz,
  outcome       text,  -- why an item changed nothing (unknown message, refused...)
  UNIQUE (account_id, dedupe_key)
);
CREATE INDEX channel_inbox_unprocessed ON channel_inbox (id) WHERE processed_at IS NULL;

-- outbox: one row per agent or bot message to a customer through a provider
-- account, inserted in the transaction that stores the message. The sender
-- marks a row in_flight before its request leaves; a row found in_flight at
-- start may have reached the provider, so it becomes 'unknown' and waits for
-- the provider's status callbacks instead of being sent again.
CREATE TABLE outbox (
  message_id           bigint PRIMARY KEY REFERENCES messages (id),
  interaction_id       bigint NOT NULL,
  account_id           bigint NOT NULL,
  state                text NOT NULL DEFAULT 'pending'
                         CHECK (state IN ('pending', 'in_flight', 'sent', 'failed', 'unknown')),
  attempts             integer NOT NULL DEFAULT 0,
  next_attempt_at      timestamptz NOT NULL DEFAULT now(),
  provider_message_id  text,
  last_error           text,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE state IN ('pending', 'in_flight');
CREATE UNIQUE INDEX outbox_provider_id ON outbox (account_id, provider_message_id) WHERE provider_message_id IS NOT NULL;
