//! Rapport's integration tests: one binary, one throwaway PostgreSQL, a database per test.

// The whole binary is test code: a failed unwrap is a failed test (see clippy.toml for the
// same rule inside `#[cfg(test)]` modules of the library).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod admin_users;
mod auth;
mod browser;
mod browser_everyday;
mod browser_excel;
mod browser_opportunities;
mod browser_segment_page;
mod campaign_figures;
mod campaigns;
mod contact_interactions;
mod contact_list;
mod contacts;
mod demo;
mod entry_references;
mod everyday;
mod excel;
mod fuzz;
mod harness;
mod home;
mod import_update;
mod interactions;
mod load;
mod locale;
mod logs;
mod lookups;
mod operations;
mod opportunities;
mod opportunity_references;
mod person_company;
mod schema;
mod security;
mod segment_actions;
mod segment_log;
mod segment_page;
mod segment_totals;
mod segment_trust;
mod segments;
mod setup_tables;
mod setup_templates;
