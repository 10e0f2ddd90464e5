DROP INDEX opportunities_segment;
CREATE INDEX opportunities_segment ON opportunities (segment_no, no) WITH (deduplicate_items = off);
