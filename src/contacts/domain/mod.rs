//! The contact rules and their SQL: plain functions over `&mut PgConnection` that know nothing
//! of HTTP.

pub mod card;
pub mod csv_format;
pub mod guards;
pub mod import;
pub mod import_check;
pub mod import_jobs;
pub mod import_source;
pub mod import_write;
pub mod inherit;
pub mod list;
pub mod model;
pub mod profile;
