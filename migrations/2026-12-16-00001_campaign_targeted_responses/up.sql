-- A campaign's response rate is its targeted contacts that responded, per targeted contact:
-- a response from a contact never targeted (a colleague it was forwarded to) counts among the
-- responses but not in the rate, which could pass 100 %. The kept figures gain that count;
-- those kept so far lack it and are dropped, to be counted again (the card counts them when
-- it finds none of the current version).
ALTER TABLE campaign_figures ADD COLUMN targeted_responses BIGINT NOT NULL DEFAULT 0;
DELETE FROM campaign_figures;
