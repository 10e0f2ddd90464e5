-- A campaign entry's cost is a logged segment's total: up to the header's highest unit cost
-- (9,999,999,999.99, NUMERIC(12,2)) on every line, a million lines and more. NUMERIC(14,2)
-- stopped at a trillion: such a segment could not be logged (nor its page shown, whose total
-- was cast the same way). NUMERIC(20,2) holds ten million lines at the highest unit cost.
ALTER TABLE campaign_entries ALTER COLUMN cost TYPE NUMERIC(20, 2);
