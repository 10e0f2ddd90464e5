-- Less index upkeep for each opportunity and entry written (Create Opportunities writes one
-- of each per segment line).
--
-- Three of the opportunities' list indexes end with the No., so no two of their keys are
-- alike: merging duplicate keys (PostgreSQL's default) finds nothing to merge there, after a
-- pass over the full page before every split.
ALTER INDEX opportunities_campaign SET (deduplicate_items = off);
ALTER INDEX opportunities_salesperson SET (deduplicate_items = off);
ALTER INDEX opportunities_segment SET (deduplicate_items = off);

-- An opportunity's entries are read by opportunity, in the order they were written, and
-- nothing looks an entry up by its id alone: the index by opportunity and id becomes the
-- primary key instead of a second index beside it.
ALTER TABLE opportunity_entries DROP CONSTRAINT opportunity_entries_pkey;
DROP INDEX opportunity_entries_opportunity;
ALTER TABLE opportunity_entries ADD CONSTRAINT opportunity_entries_pkey PRIMARY KEY (opportunity_id, id);
