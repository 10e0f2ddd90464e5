-- The contact list sorts by name by default, and its search ("contains", `search_text LIKE`)
-- reads that order until a page is full. With the search text in the name index the list
-- tests each contact there, without a visit to the table for every contact it passes over:
-- `q=hansen` at a million contacts read 9,976 table pages for its first 50 rows (126 ms) and
-- now reads the index alone (4 ms). The index grows from 41 to 142 MB.
DROP INDEX contacts_name;
CREATE INDEX contacts_name ON contacts (name, id) INCLUDE (search_text);
