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
    code_list_version (one) {
        one -> Bool,
        database -> Text,
        change -> Int8,
    }
}

diesel::table! {
    campaign_entries (id) {
        id -> Int8,
        campaign_no -> Text,
        segment_id -> Nullable<Int8>,
        segment_no -> Text,
        date -> Date,
        description -> Text,
        entries -> Int8,
        cost -> Numeric,
        duration_min -> Int8,
        user_id -> Nullable<Int8>,
        user_name -> Text,
        at -> Timestamptz,
        canceled -> Bool,
    }
}

diesel::table! {
    campaign_figures (campaign_id) {
        campaign_id -> Int8,
        entries_version -> Int8,
        interactions -> Int8,
        contacts -> Int8,
        companies -> Int8,
        targets -> Int8,
        responses -> Int8,
        cost -> Numeric,
        duration_min -> Int8,
        computed_at -> Timestamptz,
        targeted_responses -> Int8,
    }
}

diesel::table! {
    campaigns (id) {
        id -> Int8,
        no -> Text,
        description -> Text,
        starting_date -> Nullable<Date>,
        ending_date -> Nullable<Date>,
        salesperson_code -> Nullable<Text>,
        status_code -> Nullable<Text>,
        created_at -> Timestamptz,
        version -> Int4,
        entries_version -> Int8,
        form_key -> Nullable<Text>,
    }
}

diesel::table! {
    close_opportunity_codes (code) {
        code -> Text,
        kind -> Text,
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
        form_key -> Nullable<Text>,
    }
}

diesel::table! {
    countries (code) {
        code -> Text,
        description -> Text,
    }
}

diesel::table! {
    form_sends (form_key) {
        form_key -> Text,
        made_version -> Int4,
        digest -> Text,
        sent_at -> Timestamptz,
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
        updated_count -> Int8,
        form_key -> Nullable<Text>,
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
    interaction_log_entries (id) {
        id -> Int8,
        contact_id -> Int8,
        company_id -> Nullable<Int8>,
        at -> Timestamptz,
        date -> Date,
        template_code -> Nullable<Text>,
        group_code -> Nullable<Text>,
        description -> Text,
        cost -> Numeric,
        duration_min -> Int4,
        information_flow -> Text,
        initiated_by -> Text,
        salesperson_code -> Nullable<Text>,
        correspondence_type -> Text,
        evaluation -> Text,
        campaign_no -> Nullable<Text>,
        campaign_target -> Bool,
        campaign_response -> Bool,
        segment_id -> Nullable<Int8>,
        segment_no -> Text,
        user_id -> Nullable<Int8>,
        canceled -> Bool,
        attempt_failed -> Bool,
        form_key -> Nullable<Text>,
        canceled_with_segment -> Bool,
        language_code -> Nullable<Text>,
    }
}

diesel::table! {
    interaction_templates (code) {
        code -> Text,
        group_code -> Text,
        description -> Text,
        unit_cost -> Numeric,
        unit_duration_min -> Int4,
        information_flow -> Text,
        initiated_by -> Text,
        campaign_no -> Nullable<Text>,
        campaign_target -> Bool,
        campaign_response -> Bool,
        correspondence_type -> Text,
        ignore_contact_correspondence_type -> Bool,
    }
}

diesel::table! {
    job_responsibilities (code) {
        code -> Text,
        description -> Text,
    }
}

diesel::table! {
    kept_forms (id_hash) {
        id_hash -> Bytea,
        user_id -> Int8,
        action -> Text,
        body -> Text,
        passwords_dropped -> Bool,
        created_at -> Timestamptz,
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
    mailing_group_applications (id) {
        id -> Int8,
        segment_id -> Nullable<Int8>,
        segment_no -> Text,
        code -> Text,
        gained -> Int8,
        lost -> Int8,
        user_name -> Text,
        applied_at -> Timestamptz,
        undone_at -> Nullable<Timestamptz>,
        undone_by -> Nullable<Text>,
    }
}

diesel::table! {
    mailing_group_changes (application_id, contact_id) {
        application_id -> Int8,
        contact_id -> Int8,
        gained -> Bool,
        taken_over -> Bool,
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
    opportunities (id) {
        id -> Int8,
        no -> Text,
        description -> Text,
        contact_id -> Int8,
        company_id -> Nullable<Int8>,
        salesperson_code -> Nullable<Text>,
        campaign_no -> Nullable<Text>,
        segment_no -> Nullable<Text>,
        sales_cycle_code -> Text,
        priority -> Text,
        status -> Text,
        current_stage -> Nullable<Int4>,
        estimated_value -> Numeric,
        chances_pct -> Numeric,
        completed_pct -> Numeric,
        probability_pct -> Numeric,
        current_value -> Numeric,
        estimated_closing_date -> Nullable<Date>,
        date_closed -> Nullable<Date>,
        close_code -> Nullable<Text>,
        quote_reference -> Text,
        creation_date -> Date,
        created_at -> Timestamptz,
        version -> Int4,
        form_key -> Nullable<Text>,
    }
}

diesel::table! {
    opportunity_entries (opportunity_id, id) {
        id -> Int8,
        opportunity_id -> Int8,
        action -> Text,
        date -> Date,
        stage_before -> Nullable<Int4>,
        stage_after -> Nullable<Int4>,
        status_before -> Nullable<Text>,
        status_after -> Text,
        estimated_value_before -> Nullable<Numeric>,
        estimated_value -> Numeric,
        chances_pct_before -> Nullable<Numeric>,
        chances_pct -> Numeric,
        completed_pct -> Numeric,
        probability_pct -> Numeric,
        current_value -> Numeric,
        estimated_closing_date -> Nullable<Date>,
        close_code -> Nullable<Text>,
        quote_reference -> Text,
        user_id -> Nullable<Int8>,
        user_name -> Text,
        at -> Timestamptz,
    }
}

diesel::table! {
    opportunity_figures (sales_cycle_code, stage, salesperson_code, campaign_no, status, date_closed) {
        sales_cycle_code -> Text,
        stage -> Int4,
        salesperson_code -> Text,
        campaign_no -> Text,
        status -> Text,
        date_closed -> Date,
        n -> Int8,
        estimated -> Numeric,
        current -> Numeric,
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
        contact_type -> Text,
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
    sales_cycle_stages (sales_cycle_code, stage) {
        sales_cycle_code -> Text,
        stage -> Int4,
        description -> Text,
        completed_pct -> Numeric,
        chances_pct -> Numeric,
        template_code -> Nullable<Text>,
        quote_required -> Bool,
        allow_skip -> Bool,
        date_formula -> Text,
    }
}

diesel::table! {
    sales_cycles (code) {
        code -> Text,
        description -> Text,
        probability_calculation -> Text,
        blocked -> Bool,
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
    saved_criteria (code) {
        code -> Text,
        description -> Text,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    saved_criteria_steps (code, seq) {
        code -> Text,
        seq -> Int4,
        kind -> Text,
        criteria -> Jsonb,
    }
}

diesel::table! {
    segment_lines (id) {
        id -> Int8,
        segment_id -> Int8,
        contact_id -> Int8,
        added_by_step -> Int4,
        removed_by_step -> Nullable<Int4>,
        company_name -> Text,
        is_person -> Bool,
        contact_name -> Text,
        salesperson_code -> Nullable<Text>,
        date -> Nullable<Date>,
        interaction_template_code -> Nullable<Text>,
        subject -> Nullable<Text>,
        correspondence_type -> Nullable<Text>,
        unit_cost -> Nullable<Numeric>,
        unit_duration_min -> Nullable<Int4>,
        campaign_target -> Nullable<Bool>,
        campaign_response -> Nullable<Bool>,
        evaluation -> Nullable<Text>,
        company_no -> Text,
    }
}

diesel::table! {
    segment_entry_ranges (segment_no) {
        segment_no -> Text,
        first_entry -> Int8,
        last_entry -> Int8,
    }
}

diesel::table! {
    segment_line_counts (segment_id, added_by_step, removed_by_step) {
        segment_id -> Int8,
        added_by_step -> Int4,
        removed_by_step -> Int4,
        lines -> Int8,
    }
}

diesel::table! {
    segment_steps (id) {
        id -> Int8,
        segment_id -> Int8,
        seq -> Int4,
        kind -> Text,
        criteria -> Jsonb,
        added -> Int8,
        removed -> Int8,
        skipped_excluded -> Int8,
        skipped_blocked -> Int8,
        skipped_existing -> Int8,
        user_id -> Nullable<Int8>,
        user_name -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    segments (id) {
        id -> Int8,
        no -> Text,
        description -> Text,
        date -> Date,
        salesperson_code -> Nullable<Text>,
        interaction_template_code -> Nullable<Text>,
        campaign_no -> Nullable<Text>,
        campaign_target -> Bool,
        campaign_response -> Bool,
        subject -> Text,
        language_code -> Nullable<Text>,
        correspondence_type -> Text,
        ignore_contact_correspondence_type -> Bool,
        unit_cost -> Numeric,
        unit_duration_min -> Int4,
        information_flow -> Text,
        initiated_by -> Text,
        status -> Text,
        version -> Int4,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        logged_at -> Nullable<Timestamptz>,
        logged_by -> Text,
        canceled_at -> Nullable<Timestamptz>,
        canceled_by -> Text,
        logged_cost -> Nullable<Numeric>,
        logged_duration_min -> Nullable<Int8>,
        form_key -> Nullable<Text>,
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
        ended_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    setup_tokens (token_hash) {
        token_hash -> Bytea,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    sign_in_addresses (user_id, ip) {
        user_id -> Int8,
        ip -> Text,
        at -> Timestamptz,
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
        form_key -> Nullable<Text>,
    }
}

diesel::joinable!(audit_log -> users (user_id));
diesel::joinable!(campaigns -> campaign_statuses (status_code));
diesel::joinable!(campaigns -> salespeople (salesperson_code));
diesel::joinable!(campaign_figures -> campaigns (campaign_id));
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
diesel::joinable!(import_jobs -> users (user_id));
diesel::joinable!(interaction_log_entries -> interaction_groups (group_code));
diesel::joinable!(interaction_log_entries -> interaction_templates (template_code));
diesel::joinable!(interaction_log_entries -> salespeople (salesperson_code));
diesel::joinable!(interaction_log_entries -> segments (segment_id));
diesel::joinable!(interaction_log_entries -> users (user_id));
diesel::joinable!(interaction_templates -> interaction_groups (group_code));
diesel::joinable!(mailing_group_applications -> mailing_groups (code));
diesel::joinable!(mailing_group_applications -> segments (segment_id));
diesel::joinable!(mailing_group_changes -> mailing_group_applications (application_id));
diesel::joinable!(opportunity_entries -> opportunities (opportunity_id));
diesel::joinable!(opportunities -> sales_cycles (sales_cycle_code));
diesel::joinable!(profile_answers -> profile_questions (question_id));
diesel::joinable!(profile_questions -> profile_questionnaires (questionnaire_code));
diesel::joinable!(sales_cycle_stages -> sales_cycles (sales_cycle_code));
diesel::joinable!(saved_criteria -> users (created_by));
diesel::joinable!(saved_criteria_steps -> saved_criteria (code));
diesel::joinable!(segment_line_counts -> segments (segment_id));
diesel::joinable!(segment_lines -> contacts (contact_id));
diesel::joinable!(segment_lines -> interaction_templates (interaction_template_code));
diesel::joinable!(segment_lines -> salespeople (salesperson_code));
diesel::joinable!(segment_lines -> segments (segment_id));
diesel::joinable!(sign_in_addresses -> users (user_id));
diesel::joinable!(segment_steps -> segments (segment_id));
diesel::joinable!(segment_steps -> users (user_id));
diesel::joinable!(segments -> interaction_templates (interaction_template_code));
diesel::joinable!(segments -> languages (language_code));
diesel::joinable!(segments -> salespeople (salesperson_code));
diesel::joinable!(segments -> users (created_by));
diesel::joinable!(kept_forms -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(users -> salespeople (salesperson_code));

diesel::allow_tables_to_appear_in_same_query!(
    audit_log,
    business_relations,
    campaign_entries,
    campaign_figures,
    campaign_statuses,
    code_list_version,
    campaigns,
    close_opportunity_codes,
    contact_business_relations,
    contact_industry_groups,
    contact_job_responsibilities,
    contact_mailing_groups,
    contact_profile_answers,
    contacts,
    countries,
    form_sends,
    import_jobs,
    industry_groups,
    interaction_groups,
    interaction_log_entries,
    interaction_templates,
    job_responsibilities,
    kept_forms,
    languages,
    login_failures,
    mailing_group_applications,
    mailing_group_changes,
    mailing_groups,
    number_series,
    opportunities,
    opportunity_entries,
    opportunity_figures,
    organizational_levels,
    profile_answers,
    profile_questionnaires,
    profile_questions,
    sales_cycle_stages,
    sales_cycles,
    salespeople,
    saved_criteria,
    saved_criteria_steps,
    segment_entry_ranges,
    segment_line_counts,
    segment_lines,
    segment_steps,
    segments,
    sessions,
    sign_in_addresses,
    setup_tokens,
    territories,
    users,
);
