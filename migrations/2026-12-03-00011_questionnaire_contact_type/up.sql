-- A profile questionnaire applies to companies, to persons, or to both (Business Central's
-- "Contact Type" on the Profile Questionnaire). Both is the default: every questionnaire
-- answered so far keeps applying to the contacts that answered it.
ALTER TABLE profile_questionnaires
    ADD COLUMN contact_type text NOT NULL DEFAULT 'both'
        CHECK (contact_type IN ('both', 'company', 'person'));
