-- Contacts' texts composed (Unicode NFC), as every way in now composes them (forms, links and
-- imported files: src/db/text.rs, `composed`). A name stored with its accents apart ("A" and a
-- combining ring for "Å", as a file written on a Mac may hold it) was not found by a search
-- typed with the letter. The segment lines of a renamed contact follow it (the trigger of
-- 2026-12-14-00001). At a million contacts the test of every row takes about 3 s.
UPDATE contacts SET
    name = normalize(name, NFC),
    search_name = normalize(search_name, NFC),
    job_title = normalize(job_title, NFC),
    address = normalize(address, NFC),
    address_2 = normalize(address_2, NFC),
    city = normalize(city, NFC),
    post_code = normalize(post_code, NFC),
    phone = normalize(phone, NFC),
    mobile = normalize(mobile, NFC),
    email = normalize(email, NFC),
    website = normalize(website, NFC)
WHERE NOT (name IS NFC NORMALIZED AND search_name IS NFC NORMALIZED
           AND job_title IS NFC NORMALIZED AND address IS NFC NORMALIZED
           AND address_2 IS NFC NORMALIZED AND city IS NFC NORMALIZED
           AND post_code IS NFC NORMALIZED AND phone IS NFC NORMALIZED
           AND mobile IS NFC NORMALIZED AND email IS NFC NORMALIZED
           AND website IS NFC NORMALIZED);
