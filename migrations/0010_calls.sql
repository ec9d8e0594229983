-- contactd schema, version 10: how a call ended when no agent handled it
-- ('abandoned': the caller hung up while queued or ringing).
ALTER TABLE interactions ADD COLUMN outcome text;
