-- contactd schema, version 11: provider accounts, WhatsApp templates, message
-- delivery states, reply links and template messages (issue 12).

-- secrets: write-only (never in the journal's payloads, never sent to clients);
-- written by the projection of provider_account_saved, read back by the loader.
CREATE TABLE provider_accounts (
  id                   bigint PRIMARY KEY,
  provider             text NOT NULL CHECK (provider IN ('meta', 'gupshup', 'whatsapp_business')),
  name                 text NOT NULL UNIQUE,
  phone_number_id      text NOT NULL DEFAULT '',
  business_account_id  text NOT NULL DEFAULT '',
  app_name             text NOT NULL DEFAULT '',
  source_number        text NOT NULL DEFAULT '',
  base_url             text NOT NULL DEFAULT '',
  secrets              jsonb NOT NULL DEFAULT '{}',
  updated_at           timestamptz NOT NULL
);
CREATE INDEX provider_accounts_by_phone_number_id ON provider_accounts (phone_number_id) WHERE phone_number_id <> '';

CREATE TABLE templates (
  account_id    bigint NOT NULL REFERENCES provider_accounts (id),
  name          text NOT NULL,
  language      text NOT NULL,
  category      text NOT NULL,
  body          text NOT NULL,
  header_media  text NOT NULL DEFAULT '',
  buttons       jsonb NOT NULL DEFAULT '[]',
  updated_at    timestamptz NOT NULL,
  PRIMARY KEY (account_id, name, language)
);

-- The conversation's number and the customer's provider identity.
ALTER TABLE interactions
  ADD COLUMN account_id bigint REFERENCES provider_accounts (id),
  ADD COLUMN display_name text NOT NULL DEFAULT '',
  ADD COLUMN customer_alt_id text NOT NULL DEFAULT '';
-- Inbound: the (account, customer) conversation an interaction carries.
CREATE INDEX interactions_by_account_customer ON interactions (account_id, customer) WHERE account_id IS NOT NULL;

-- R-MSG-5 states; R-MSG-6 reply links; template messages. attachments stays
-- jsonb: [{filename, size_bytes, reference, voice, content_type, state,
-- provider_media_id, unavailable_reason}].
ALTER TABLE messages
  ADD COLUMN state text NOT NULL DEFAULT 'received'
    CHECK (state IN ('received', 'queued', 'sent', 'delivered', 'read', 'played', 'failed')),
  ADD COLUMN provider_message_id text,
  ADD COLUMN error_code text,
  ADD COLUMN error_text text,
  ADD COLUMN reply jsonb,      -- {message_id, sender, author_name, text, filename, preview_reference}
  ADD COLUMN template jsonb;   -- {name, language, parameters, header_attachment}
UPDATE messages SET state = 'delivered' WHERE sender <> 'customer';  -- before: WebChat only
CREATE INDEX messages_by_provider_id ON messages (provider_message_id) WHERE provider_message_id IS NOT NULL;

-- R-MSG-5's monotonic merge, the same rule as core::merge_state: whether a
-- provider's report `reported` moves a message on from `current`.
-- queued < sent < delivered < read < played; failed only while queued or
-- sent; delivered, read or played after failed override it; a report never
-- applies to a customer's message.
CREATE FUNCTION message_state_advances(current text, reported text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT CASE
    WHEN current = reported OR current = 'received' OR reported = 'received' THEN false
    WHEN reported = 'failed' THEN current IN ('queued', 'sent')
    WHEN current = 'failed' THEN reported IN ('delivered', 'read', 'played')
    ELSE coalesce(array_position(ARRAY['queued', 'sent', 'delivered', 'read', 'played'], reported), 0)
       > coalesce(array_position(ARRAY['queued', 'sent', 'delivered', 'read', 'played'], current), 0)
  END
$$;
