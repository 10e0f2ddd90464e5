DROP TRIGGER contacts_entry_company ON contacts;
DROP FUNCTION rapport_entries_follow_person_company();
