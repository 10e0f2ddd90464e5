// @generated automatically by Diesel CLI.

diesel::table! {
    audit_log (id) {
        id -> Int8,
        at -> Timestamptz,
        user_id -> Nullable<Int8>,
        actor -> Text,
        action -> Text,
        subject -> Text,
        detail -> Text,
        ip -> Text,
    }
}

diesel::table! {
    business_relations (code) {
        code -> Text,
        description -> Text,
    }
}

diesel::table! {
    campaign_statuses (code) {
        code -> Text,
        description -> Text,
    }
}

diesel::table! {
    contact_business_relations (contact_id, code) {
        contact_id -> Int8,
        code -> Text,
    }
}

diesel::table! {
    contact_industry_groups (contact_id, code) {
        contact_id -> Int8,
        code -> Text,
    }
}

diesel::table! {
    contact_job_responsibilities (contact_id, code) {
        contact_id -> Int8,
        code -> Text,
    }
}

diesel::table! {
    contact_mailing_groups (contact_id, code) {
        contact_id -> Int8,
        code -> Text,
    }
}

diesel::table! {
    contact_profile_answers (contact_id, question_id) {
        contact_id -> Int8,
        question_id -> Int8,
        answer_id -> Int8,
    }
}

diesel::table! {
    contacts (id) {
        id -> Int8,
        no -> Text,
        #[sql_name = "type"]
        type_ -> Text,
        name -> Text,
        search_name -> Text,
        company_id -> Nullable<Int8>,
        job_title -> Text,
        address -> Text,
        address_2 -> Text,
        city -> Text,
        post_code -> Text,
        country_code -> Nullable<Text>,
        phone -> Text,
        mobile -> Text,
        email -> Text,
        website -> Text,
        salesperson_code -> Nullable<Text>,
        territory_code -> Nullable<Text>,
        language_code -> Nullable<Text>,
        correspondence_type -> Text,
        organizational_level_code -> Nullable<Text>,
        exclude_from_segment -> Bool,
        privacy_blocked -> Bool,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        company_key -> Nullable<Int8>,
        search_text -> Nullable<Text>,
    }
}

diesel::table! {
    countries (code) {
        code -> Text,
        description -> Text,
    }
}

diesel::table! {
    import_jobs (id) {
        id -> Int8,
        user_id -> Nullable<Int8>,
        file_name -> Text,
        status -> Text,
        total_rows -> Int8,
        processed_rows -> Int8,
        created_count -> Int8,
        errors -> Text,
        error_count -> Int8,
        message -> Text,
        created_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    industry_groups (code) {
        code -> Text,
        description -> Text,
    }
}

diesel::table! {
    interaction_groups (code) {
        code -> Text,
        description -> Text,
    }
}

diesel::table! {
    job_responsibilities (code) {
        code -> Text,
        description -> Text,
    }
}

diesel::table! {
    languages (code) {
        code -> Text,
        description -> Text,
    }
}

diesel::table! {
    login_failures (id) {
        id -> Int8,
        username -> Text,
        ip -> Text,
        at -> Timestamptz,
    }
}

diesel::table! {
    mailing_groups (code) {
        code -> Text,
        description -> Text,
    }
}

diesel::table! {
    number_series (code) {
        code -> Text,
        description -> Text,
        prefix -> Text,
        width -> Int4,
        next_number -> Int8,
    }
}

diesel::table! {
    organizational_levels (code) {
        code -> Text,
        description -> Text,
    }
}

diesel::table! {
    profile_answers (id) {
        id -> Int8,
        question_id -> Int8,
        position -> Int4,
        description -> Text,
    }
}

diesel::table! {
    profile_questionnaires (code) {
        code -> Text,
        description -> Text,
    }
}

diesel::table! {
    profile_questions (id) {
        id -> Int8,
        questionnaire_code -> Text,
        position -> Int4,
        description -> Text,
    }
}

diesel::table! {
    salespeople (code) {
        code -> Text,
        name -> Text,
        email -> Text,
        blocked -> Bool,
    }
}

diesel::table! {
    sessions (id_hash) {
        id_hash -> Bytea,
        user_id -> Nullable<Int8>,
        csrf_token -> Text,
        flash -> Nullable<Text>,
        created_at -> Timestamptz,
        last_seen_at -> Timestamptz,
    }
}

diesel::table! {
    setup_tokens (token_hash) {
        token_hash -> Bytea,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    territories (code) {
        code -> Text,
        description -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> Int8,
        username -> Text,
        display_name -> Text,
        role -> Text,
        active -> Bool,
        password_hash -> Text,
        salesperson_code -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(audit_log -> users (user_id));
diesel::joinable!(import_jobs -> users (user_id));
diesel::joinable!(contact_business_relations -> business_relations (code));
diesel::joinable!(contact_business_relations -> contacts (contact_id));
diesel::joinable!(contact_industry_groups -> contacts (contact_id));
diesel::joinable!(contact_industry_groups -> industry_groups (code));
diesel::joinable!(contact_job_responsibilities -> contacts (contact_id));
diesel::joinable!(contact_job_responsibilities -> job_responsibilities (code));
diesel::joinable!(contact_mailing_groups -> contacts (contact_id));
diesel::joinable!(contact_mailing_groups -> mailing_groups (code));
diesel::joinable!(contact_profile_answers -> contacts (contact_id));
diesel::joinable!(contacts -> countries (country_code));
diesel::joinable!(contacts -> languages (language_code));
diesel::joinable!(contacts -> organizational_levels (organizational_level_code));
diesel::joinable!(contacts -> salespeople (salesperson_code));
diesel::joinable!(contacts -> territories (territory_code));
diesel::joinable!(profile_answers -> profile_questions (question_id));
diesel::joinable!(profile_questions -> profile_questionnaires (questionnaire_code));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(users -> salespeople (salesperson_code));

diesel::allow_tables_to_appear_in_same_query!(
    audit_log,
    business_relations,
    campaign_statuses,
    contact_business_relations,
    contact_industry_groups,
    contact_job_responsibilities,
    contact_mailing_groups,
    contact_profile_answers,
    contacts,
    countries,
    import_jobs,
    industry_groups,
    interaction_groups,
    job_responsibilities,
    languages,
    login_failures,
    mailing_groups,
    number_series,
    organizational_levels,
    profile_answers,
    profile_questionnaires,
    profile_questions,
    salespeople,
    sessions,
    setup_tokens,
    territories,
    users,
);
