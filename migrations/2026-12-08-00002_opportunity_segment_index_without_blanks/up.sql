-- The opportunities' index by segment leaves out those of no segment (made by hand, from a
-- contact's card or `/opportunities/new`). Its one reader, the list filtered by a segment,
-- looks for one segment's No., never for none.
--
-- NULLs sort after every No., so the opportunities of no segment held the index's right end,
-- and a new segment's opportunities (its No. is the greatest) were each written by a descent
-- from the root into the middle of the index. Without them, they are appended at its right
-- end, where PostgreSQL writes without descending. Create Opportunities of 196,228 lines at a
-- million contacts, with 300,000 opportunities of no segment (by hand, rolled back, three
-- alternated pairs): 2,815–2,835 ms before (and one run of 3,465), 2,721–2,765 ms after.
DROP INDEX opportunities_segment;
CREATE INDEX opportunities_segment ON opportunities (segment_no, no)
    WITH (deduplicate_items = off) WHERE segment_no IS NOT NULL;
