ALTER TABLE opportunity_entries DROP CONSTRAINT opportunity_entries_pkey;
ALTER TABLE opportunity_entries ADD CONSTRAINT opportunity_entries_pkey PRIMARY KEY (id);
CREATE INDEX opportunity_entries_opportunity ON opportunity_entries (opportunity_id, id);

ALTER INDEX opportunities_campaign RESET (deduplicate_items);
ALTER INDEX opportunities_salesperson RESET (deduplicate_items);
ALTER INDEX opportunities_segment RESET (deduplicate_items);
