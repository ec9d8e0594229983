-- contactd schema, version 8: R-WRAP-1, the agent's wrap-up after a call
-- (survives restarts; a deadline passed while down ends it on the first tick).
ALTER TABLE users ADD COLUMN wrap_up_until timestamptz;
