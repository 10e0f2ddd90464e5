//! The segment rules and their SQL: plain functions over `&mut PgConnection`, no HTTP.

pub mod criteria;
pub mod delete;
pub mod export;
pub mod filter;
pub mod header;
pub mod header_form;
pub mod ledger;
pub mod line_edit;
pub mod line_page;
pub mod lines;
pub mod list;
pub mod log;
pub mod lookups;
pub mod mailing;
pub mod refresh;
pub mod saved;
pub mod section;
pub mod steps;
pub mod stored;
pub mod totals;
pub mod why;
