DROP INDEX contacts_name;
CREATE INDEX contacts_name ON contacts (name, id) INCLUDE (search_text);
