-- A contact's card offers the profile questions of the questionnaires that apply to it, with
-- their answer choices; an instance keeps them as it keeps the code lists
-- (`setup::questionnaires::offered_questions`), so a statement that changes a questionnaire, a
-- question or an answer moves the same version (`code_list_version`). A contact's own answers
-- (`contact_profile_answers`) are read with its card and move nothing.
CREATE TRIGGER profile_questionnaires_code_list_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON profile_questionnaires
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_code_lists_changed();
CREATE TRIGGER profile_questions_code_list_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON profile_questions
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_code_lists_changed();
CREATE TRIGGER profile_answers_code_list_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON profile_answers
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_code_lists_changed();
