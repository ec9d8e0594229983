-- contactd schema, version 5: history search and timelines (R-SUP-2).
ALTER TABLE journal ADD COLUMN interaction_id bigint;
UPDATE journal SET interaction_id = (payload -> type ->> 'interaction_id')::bigint
  WHERE payload -> type ? 'interaction_id';
CREATE INDEX journal_by_interaction ON journal (interaction_id, seq) WHERE interaction_id IS NOT NULL;

CREATE INDEX interactions_closed ON interactions (closed_at DESC, id DESC) WHERE state = 'closed';
CREATE INDEX interactions_closed_by_campaign ON interactions (campaign_id, closed_at DESC) WHERE state = 'closed';
CREATE INDEX interactions_closed_by_owner ON interactions (owner_id, closed_at DESC) WHERE state = 'closed';
CREATE INDEX interactions_by_customer ON interactions (customer);
