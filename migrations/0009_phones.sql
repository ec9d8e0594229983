-- contactd schema, version 9: agents' SIP phones. The digest secret (HA1 of
-- login:realm:password) and the current registration, which survives a
-- restart until it expires.
ALTER TABLE users
  ADD COLUMN sip_secret text NOT NULL DEFAULT '',
  ADD COLUMN phone_contact text,
  ADD COLUMN phone_source text,
  ADD COLUMN phone_expires_at timestamptz;
