-- Search Name and Post Code are code fields, as in Business Central: stored in upper case (the
-- forms and imports upper-case them from now on), so that a filter such as `sw1a*` or
-- `acme*` finds them however they were typed. Upper case by ICU, as Rust's to_uppercase does
-- (every letter, not only ASCII); cut to the columns' lengths where a letter grows (ß → SS).
UPDATE contacts
SET search_name = left(upper(search_name COLLATE "und-x-icu"), 100),
    post_code = left(upper(post_code COLLATE "und-x-icu"), 20)
WHERE search_name <> left(upper(search_name COLLATE "und-x-icu"), 100)
   OR post_code <> left(upper(post_code COLLATE "und-x-icu"), 20);
