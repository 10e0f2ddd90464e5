-- The contact list's filters are tested in the name index too, the list's default order: a
-- filtered list reads the index alone until its page is full, instead of visiting the table
-- for every contact it passes over to learn its type, country, salesperson, territory, company
-- or flags. At a million contacts: companies in DE, 6.5 → 0.6 ms for the first page; DK and
-- industry group RETAIL, 2.5 → 1.6 ms. The index grows from 142 to 173 MB.
DROP INDEX contacts_name;
CREATE INDEX contacts_name ON contacts (name, id)
    INCLUDE (search_text, type, country_code, salesperson_code, territory_code, company_key,
             exclude_from_segment, privacy_blocked);
