DROP INDEX users_salesperson;
DROP INDEX contacts_organizational_level;
DROP INDEX contacts_language;
