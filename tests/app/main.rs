//! Rapport's integration tests: one binary, one throwaway PostgreSQL, a database per test.

mod support;

mod admin_users;
mod auth;
mod browser;
mod contacts;
mod demo;
mod fuzz;
mod harness;
mod logs;
mod operations;
mod security;
mod segment_actions;
mod segment_trust;
mod segments;
mod setup_tables;
