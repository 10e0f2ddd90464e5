-- Setup tables, contacts and their classifications (see docs/architecture.md, The areas).

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Codes as Business Central writes them: 1-20 characters, upper case, no spaces.
CREATE DOMAIN code20 AS TEXT
    CHECK (VALUE <> '' AND length(VALUE) <= 20 AND VALUE = upper(VALUE) AND VALUE !~ '\s');

CREATE TABLE salespeople (
    code    code20 PRIMARY KEY,
    name    TEXT NOT NULL DEFAULT '' CHECK (length(name) <= 100),
    email   TEXT NOT NULL DEFAULT '' CHECK (length(email) <= 250),
    blocked BOOLEAN NOT NULL DEFAULT FALSE
);

-- The plain code + description tables.
CREATE TABLE territories (code code20 PRIMARY KEY, description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 100));
CREATE TABLE countries (code code20 PRIMARY KEY, description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 100));
CREATE TABLE languages (code code20 PRIMARY KEY, description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 100));
CREATE TABLE industry_groups (code code20 PRIMARY KEY, description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 100));
CREATE TABLE business_relations (code code20 PRIMARY KEY, description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 100));
CREATE TABLE mailing_groups (code code20 PRIMARY KEY, description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 100));
CREATE TABLE job_responsibilities (code code20 PRIMARY KEY, description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 100));
CREATE TABLE organizational_levels (code code20 PRIMARY KEY, description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 100));
CREATE TABLE campaign_statuses (code code20 PRIMARY KEY, description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 100));
CREATE TABLE interaction_groups (code code20 PRIMARY KEY, description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 100));

-- Profile questionnaires: questions with answer choices.
CREATE TABLE profile_questionnaires (
    code        code20 PRIMARY KEY,
    description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 100)
);
CREATE TABLE profile_questions (
    id               BIGSERIAL PRIMARY KEY,
    questionnaire_code code20 NOT NULL REFERENCES profile_questionnaires (code) ON DELETE CASCADE ON UPDATE CASCADE,
    position         INTEGER NOT NULL DEFAULT 0,
    description      TEXT NOT NULL CHECK (description <> '' AND length(description) <= 100)
);
CREATE INDEX profile_questions_questionnaire ON profile_questions (questionnaire_code, position);
CREATE TABLE profile_answers (
    id          BIGSERIAL PRIMARY KEY,
    question_id BIGINT NOT NULL REFERENCES profile_questions (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL DEFAULT 0,
    description TEXT NOT NULL CHECK (description <> '' AND length(description) <= 100),
    UNIQUE (id, question_id)
);
CREATE INDEX profile_answers_question ON profile_answers (question_id, position);

-- Number series: CONTACT (CT000001), SEGMENT (SM00001), CAMPAIGN (CP0001).
CREATE TABLE number_series (
    code        code20 PRIMARY KEY,
    description TEXT NOT NULL DEFAULT '',
    prefix      TEXT NOT NULL DEFAULT '' CHECK (length(prefix) <= 10 AND prefix = upper(prefix)),
    width       INTEGER NOT NULL CHECK (width BETWEEN 1 AND 15),
    next_number BIGINT NOT NULL DEFAULT 1 CHECK (next_number >= 1)
);
INSERT INTO number_series (code, description, prefix, width, next_number) VALUES
    ('CONTACT', 'Contacts', 'CT', 6, 1),
    ('SEGMENT', 'Segments', 'SM', 5, 1),
    ('CAMPAIGN', 'Campaigns', 'CP', 4, 1);

CREATE TABLE contacts (
    id                  BIGSERIAL PRIMARY KEY,
    no                  code20 NOT NULL UNIQUE,
    type                TEXT NOT NULL CHECK (type IN ('company', 'person')),
    name                TEXT NOT NULL CHECK (name <> '' AND length(name) <= 100),
    search_name         TEXT NOT NULL DEFAULT '' CHECK (length(search_name) <= 100),
    -- A person's company (or none); a company has none.
    company_id          BIGINT REFERENCES contacts (id),
    job_title           TEXT NOT NULL DEFAULT '' CHECK (length(job_title) <= 100),
    address             TEXT NOT NULL DEFAULT '' CHECK (length(address) <= 100),
    address_2           TEXT NOT NULL DEFAULT '' CHECK (length(address_2) <= 100),
    city                TEXT NOT NULL DEFAULT '' CHECK (length(city) <= 50),
    post_code           TEXT NOT NULL DEFAULT '' CHECK (length(post_code) <= 20),
    country_code        code20 REFERENCES countries (code) ON UPDATE CASCADE,
    phone               TEXT NOT NULL DEFAULT '' CHECK (length(phone) <= 30),
    mobile              TEXT NOT NULL DEFAULT '' CHECK (length(mobile) <= 30),
    email               TEXT NOT NULL DEFAULT '' CHECK (length(email) <= 250),
    website             TEXT NOT NULL DEFAULT '' CHECK (length(website) <= 250),
    salesperson_code    code20 REFERENCES salespeople (code) ON UPDATE CASCADE,
    territory_code      code20 REFERENCES territories (code) ON UPDATE CASCADE,
    language_code       code20 REFERENCES languages (code) ON UPDATE CASCADE,
    correspondence_type TEXT NOT NULL DEFAULT '' CHECK (correspondence_type IN ('', 'hard_copy', 'email')),
    organizational_level_code code20 REFERENCES organizational_levels (code) ON UPDATE CASCADE,
    exclude_from_segment BOOLEAN NOT NULL DEFAULT FALSE,
    privacy_blocked     BOOLEAN NOT NULL DEFAULT FALSE,
    version             INTEGER NOT NULL DEFAULT 1,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The company a contact belongs to, itself for a company (Business Central's Company No.):
    -- segments read industry groups and business relations through it.
    company_key         BIGINT GENERATED ALWAYS AS (CASE WHEN type = 'company' THEN id ELSE company_id END) STORED,
    -- What the list's search box looks in (No., name, e-mail, city, phone).
    search_text         TEXT GENERATED ALWAYS AS (lower(no || ' ' || name || ' ' || email || ' ' || city || ' ' || phone || ' ' || mobile)) STORED,
    CHECK (type = 'person' OR company_id IS NULL),
    CHECK (company_id IS NULL OR company_id <> id)
);
CREATE INDEX contacts_company_key ON contacts (company_key);
CREATE INDEX contacts_company_id ON contacts (company_id) WHERE company_id IS NOT NULL;
CREATE INDEX contacts_name ON contacts (name, id);
CREATE INDEX contacts_city ON contacts (city, id);
CREATE INDEX contacts_country ON contacts (country_code, id);
CREATE INDEX contacts_salesperson ON contacts (salesperson_code, id);
CREATE INDEX contacts_territory ON contacts (territory_code, id);
CREATE INDEX contacts_post_code ON contacts (post_code);
CREATE INDEX contacts_search_text ON contacts USING gin (search_text gin_trgm_ops);

-- Classifications, assigned many-to-many.
CREATE TABLE contact_industry_groups (
    contact_id BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    code       code20 NOT NULL REFERENCES industry_groups (code) ON UPDATE CASCADE,
    PRIMARY KEY (contact_id, code)
);
CREATE INDEX contact_industry_groups_code ON contact_industry_groups (code, contact_id);
CREATE TABLE contact_business_relations (
    contact_id BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    code       code20 NOT NULL REFERENCES business_relations (code) ON UPDATE CASCADE,
    PRIMARY KEY (contact_id, code)
);
CREATE INDEX contact_business_relations_code ON contact_business_relations (code, contact_id);
CREATE TABLE contact_mailing_groups (
    contact_id BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    code       code20 NOT NULL REFERENCES mailing_groups (code) ON UPDATE CASCADE,
    PRIMARY KEY (contact_id, code)
);
CREATE INDEX contact_mailing_groups_code ON contact_mailing_groups (code, contact_id);
CREATE TABLE contact_job_responsibilities (
    contact_id BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    code       code20 NOT NULL REFERENCES job_responsibilities (code) ON UPDATE CASCADE,
    PRIMARY KEY (contact_id, code)
);
CREATE INDEX contact_job_responsibilities_code ON contact_job_responsibilities (code, contact_id);
-- One answer per question.
CREATE TABLE contact_profile_answers (
    contact_id  BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    question_id BIGINT NOT NULL,
    answer_id   BIGINT NOT NULL,
    PRIMARY KEY (contact_id, question_id),
    FOREIGN KEY (answer_id, question_id) REFERENCES profile_answers (id, question_id) ON DELETE CASCADE
);
CREATE INDEX contact_profile_answers_answer ON contact_profile_answers (answer_id, contact_id);

-- The ISO 3166-1 countries and regions.
INSERT INTO countries (code, description) VALUES
    ('AD', 'Andorra'),
    ('AE', 'United Arab Emirates'),
    ('AF', 'Afghanistan'),
    ('AG', 'Antigua and Barbuda'),
    ('AI', 'Anguilla'),
    ('AL', 'Albania'),
    ('AM', 'Armenia'),
    ('AO', 'Angola'),
    ('AQ', 'Antarctica'),
    ('AR', 'Argentina'),
    ('AS', 'American Samoa'),
    ('AT', 'Austria'),
    ('AU', 'Australia'),
    ('AW', 'Aruba'),
    ('AX', 'Åland Islands'),
    ('AZ', 'Azerbaijan'),
    ('BA', 'Bosnia and Herzegovina'),
    ('BB', 'Barbados'),
    ('BD', 'Bangladesh'),
    ('BE', 'Belgium'),
    ('BF', 'Burkina Faso'),
    ('BG', 'Bulgaria'),
    ('BH', 'Bahrain'),
    ('BI', 'Burundi'),
    ('BJ', 'Benin'),
    ('BL', 'Saint Barthélemy'),
    ('BM', 'Bermuda'),
    ('BN', 'Brunei Darussalam'),
    ('BO', 'Bolivia'),
    ('BQ', 'Bonaire, Sint Eustatius and Saba'),
    ('BR', 'Brazil'),
    ('BS', 'Bahamas'),
    ('BT', 'Bhutan'),
    ('BV', 'Bouvet Island'),
    ('BW', 'Botswana'),
    ('BY', 'Belarus'),
    ('BZ', 'Belize'),
    ('CA', 'Canada'),
    ('CC', 'Cocos (Keeling) Islands'),
    ('CD', 'Congo, The Democratic Republic of the'),
    ('CF', 'Central African Republic'),
    ('CG', 'Congo'),
    ('CH', 'Switzerland'),
    ('CI', 'Côte d''Ivoire'),
    ('CK', 'Cook Islands'),
    ('CL', 'Chile'),
    ('CM', 'Cameroon'),
    ('CN', 'China'),
    ('CO', 'Colombia'),
    ('CR', 'Costa Rica'),
    ('CU', 'Cuba'),
    ('CV', 'Cabo Verde'),
    ('CW', 'Curaçao'),
    ('CX', 'Christmas Island'),
    ('CY', 'Cyprus'),
    ('CZ', 'Czechia'),
    ('DE', 'Germany'),
    ('DJ', 'Djibouti'),
    ('DK', 'Denmark'),
    ('DM', 'Dominica'),
    ('DO', 'Dominican Republic'),
    ('DZ', 'Algeria'),
    ('EC', 'Ecuador'),
    ('EE', 'Estonia'),
    ('EG', 'Egypt'),
    ('EH', 'Western Sahara'),
    ('ER', 'Eritrea'),
    ('ES', 'Spain'),
    ('ET', 'Ethiopia'),
    ('FI', 'Finland'),
    ('FJ', 'Fiji'),
    ('FK', 'Falkland Islands (Malvinas)'),
    ('FM', 'Micronesia, Federated States of'),
    ('FO', 'Faroe Islands'),
    ('FR', 'France'),
    ('GA', 'Gabon'),
    ('GB', 'United Kingdom'),
    ('GD', 'Grenada'),
    ('GE', 'Georgia'),
    ('GF', 'French Guiana'),
    ('GG', 'Guernsey'),
    ('GH', 'Ghana'),
    ('GI', 'Gibraltar'),
    ('GL', 'Greenland'),
    ('GM', 'Gambia'),
    ('GN', 'Guinea'),
    ('GP', 'Guadeloupe'),
    ('GQ', 'Equatorial Guinea'),
    ('GR', 'Greece'),
    ('GS', 'South Georgia and the South Sandwich Islands'),
    ('GT', 'Guatemala'),
    ('GU', 'Guam'),
    ('GW', 'Guinea-Bissau'),
    ('GY', 'Guyana'),
    ('HK', 'Hong Kong'),
    ('HM', 'Heard Island and McDonald Islands'),
    ('HN', 'Honduras'),
    ('HR', 'Croatia'),
    ('HT', 'Haiti'),
    ('HU', 'Hungary'),
    ('ID', 'Indonesia'),
    ('IE', 'Ireland'),
    ('IL', 'Israel'),
    ('IM', 'Isle of Man'),
    ('IN', 'India'),
    ('IO', 'British Indian Ocean Territory'),
    ('IQ', 'Iraq'),
    ('IR', 'Iran'),
    ('IS', 'Iceland'),
    ('IT', 'Italy'),
    ('JE', 'Jersey'),
    ('JM', 'Jamaica'),
    ('JO', 'Jordan'),
    ('JP', 'Japan'),
    ('KE', 'Kenya'),
    ('KG', 'Kyrgyzstan'),
    ('KH', 'Cambodia'),
    ('KI', 'Kiribati'),
    ('KM', 'Comoros'),
    ('KN', 'Saint Kitts and Nevis'),
    ('KP', 'North Korea'),
    ('KR', 'South Korea'),
    ('KW', 'Kuwait'),
    ('KY', 'Cayman Islands'),
    ('KZ', 'Kazakhstan'),
    ('LA', 'Laos'),
    ('LB', 'Lebanon'),
    ('LC', 'Saint Lucia'),
    ('LI', 'Liechtenstein'),
    ('LK', 'Sri Lanka'),
    ('LR', 'Liberia'),
    ('LS', 'Lesotho'),
    ('LT', 'Lithuania'),
    ('LU', 'Luxembourg'),
    ('LV', 'Latvia'),
    ('LY', 'Libya'),
    ('MA', 'Morocco'),
    ('MC', 'Monaco'),
    ('MD', 'Moldova'),
    ('ME', 'Montenegro'),
    ('MF', 'Saint Martin (French part)'),
    ('MG', 'Madagascar'),
    ('MH', 'Marshall Islands'),
    ('MK', 'North Macedonia'),
    ('ML', 'Mali'),
    ('MM', 'Myanmar'),
    ('MN', 'Mongolia'),
    ('MO', 'Macao'),
    ('MP', 'Northern Mariana Islands'),
    ('MQ', 'Martinique'),
    ('MR', 'Mauritania'),
    ('MS', 'Montserrat'),
    ('MT', 'Malta'),
    ('MU', 'Mauritius'),
    ('MV', 'Maldives'),
    ('MW', 'Malawi'),
    ('MX', 'Mexico'),
    ('MY', 'Malaysia'),
    ('MZ', 'Mozambique'),
    ('NA', 'Namibia'),
    ('NC', 'New Caledonia'),
    ('NE', 'Niger'),
    ('NF', 'Norfolk Island'),
    ('NG', 'Nigeria'),
    ('NI', 'Nicaragua'),
    ('NL', 'Netherlands'),
    ('NO', 'Norway'),
    ('NP', 'Nepal'),
    ('NR', 'Nauru'),
    ('NU', 'Niue'),
    ('NZ', 'New Zealand'),
    ('OM', 'Oman'),
    ('PA', 'Panama'),
    ('PE', 'Peru'),
    ('PF', 'French Polynesia'),
    ('PG', 'Papua New Guinea'),
    ('PH', 'Philippines'),
    ('PK', 'Pakistan'),
    ('PL', 'Poland'),
    ('PM', 'Saint Pierre and Miquelon'),
    ('PN', 'Pitcairn'),
    ('PR', 'Puerto Rico'),
    ('PS', 'Palestine, State of'),
    ('PT', 'Portugal'),
    ('PW', 'Palau'),
    ('PY', 'Paraguay'),
    ('QA', 'Qatar'),
    ('RE', 'Réunion'),
    ('RO', 'Romania'),
    ('RS', 'Serbia'),
    ('RU', 'Russian Federation'),
    ('RW', 'Rwanda'),
    ('SA', 'Saudi Arabia'),
    ('SB', 'Solomon Islands'),
    ('SC', 'Seychelles'),
    ('SD', 'Sudan'),
    ('SE', 'Sweden'),
    ('SG', 'Singapore'),
    ('SH', 'Saint Helena, Ascension and Tristan da Cunha'),
    ('SI', 'Slovenia'),
    ('SJ', 'Svalbard and Jan Mayen'),
    ('SK', 'Slovakia'),
    ('SL', 'Sierra Leone'),
    ('SM', 'San Marino'),
    ('SN', 'Senegal'),
    ('SO', 'Somalia'),
    ('SR', 'Suriname'),
    ('SS', 'South Sudan'),
    ('ST', 'Sao Tome and Principe'),
    ('SV', 'El Salvador'),
    ('SX', 'Sint Maarten (Dutch part)'),
    ('SY', 'Syria'),
    ('SZ', 'Eswatini'),
    ('TC', 'Turks and Caicos Islands'),
    ('TD', 'Chad'),
    ('TF', 'French Southern Territories'),
    ('TG', 'Togo'),
    ('TH', 'Thailand'),
    ('TJ', 'Tajikistan'),
    ('TK', 'Tokelau'),
    ('TL', 'Timor-Leste'),
    ('TM', 'Turkmenistan'),
    ('TN', 'Tunisia'),
    ('TO', 'Tonga'),
    ('TR', 'Türkiye'),
    ('TT', 'Trinidad and Tobago'),
    ('TV', 'Tuvalu'),
    ('TW', 'Taiwan'),
    ('TZ', 'Tanzania'),
    ('UA', 'Ukraine'),
    ('UG', 'Uganda'),
    ('UM', 'United States Minor Outlying Islands'),
    ('US', 'United States'),
    ('UY', 'Uruguay'),
    ('UZ', 'Uzbekistan'),
    ('VA', 'Holy See (Vatican City State)'),
    ('VC', 'Saint Vincent and the Grenadines'),
    ('VE', 'Venezuela'),
    ('VG', 'Virgin Islands, British'),
    ('VI', 'Virgin Islands, U.S.'),
    ('VN', 'Vietnam'),
    ('VU', 'Vanuatu'),
    ('WF', 'Wallis and Futuna'),
    ('WS', 'Samoa'),
    ('YE', 'Yemen'),
    ('YT', 'Mayotte'),
    ('ZA', 'South Africa'),
    ('ZM', 'Zambia'),
    ('ZW', 'Zimbabwe');

-- Languages, with Business Central's codes.
INSERT INTO languages (code, description) VALUES
    ('CHS', 'Chinese (Simplified)'),
    ('CSY', 'Czech'),
    ('DAN', 'Danish'),
    ('DEA', 'German (Austria)'),
    ('DES', 'German (Switzerland)'),
    ('DEU', 'German (Germany)'),
    ('ENA', 'English (Australia)'),
    ('ENC', 'English (Canada)'),
    ('ENG', 'English (United Kingdom)'),
    ('ENU', 'English (United States)'),
    ('ENZ', 'English (New Zealand)'),
    ('ESM', 'Spanish (Mexico)'),
    ('ESP', 'Spanish (Spain)'),
    ('FIN', 'Finnish'),
    ('FRA', 'French (France)'),
    ('FRB', 'French (Belgium)'),
    ('FRC', 'French (Canada)'),
    ('FRS', 'French (Switzerland)'),
    ('HUN', 'Hungarian'),
    ('ISL', 'Icelandic'),
    ('ITA', 'Italian'),
    ('JPN', 'Japanese'),
    ('NLB', 'Dutch (Belgium)'),
    ('NLD', 'Dutch (Netherlands)'),
    ('NOR', 'Norwegian'),
    ('PLK', 'Polish'),
    ('PTB', 'Portuguese (Brazil)'),
    ('PTG', 'Portuguese (Portugal)'),
    ('RUS', 'Russian'),
    ('SVE', 'Swedish');

-- A user's default salesperson is a salesperson.
INSERT INTO salespeople (code)
    SELECT DISTINCT upper(salesperson_code) FROM users WHERE salesperson_code IS NOT NULL
    ON CONFLICT DO NOTHING;
UPDATE users SET salesperson_code = upper(salesperson_code) WHERE salesperson_code IS NOT NULL;
ALTER TABLE users ADD CONSTRAINT users_salesperson_code_fkey
    FOREIGN KEY (salesperson_code) REFERENCES salespeople (code) ON UPDATE CASCADE;
