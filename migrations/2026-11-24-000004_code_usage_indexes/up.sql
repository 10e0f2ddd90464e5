-- Where setup codes are used: deleting or renaming a code, and the "used by" counts, look
-- these up instead of reading every contact.
CREATE INDEX contacts_language ON contacts (language_code) WHERE language_code IS NOT NULL;
CREATE INDEX contacts_organizational_level ON contacts (organizational_level_code)
    WHERE organizational_level_code IS NOT NULL;
CREATE INDEX users_salesperson ON users (salesperson_code) WHERE salesperson_code IS NOT NULL;
