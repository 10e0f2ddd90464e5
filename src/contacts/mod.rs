//! Contacts: companies and persons, their classifications, the list, import and export.

use actix_web::web;

/// Registers the contact pages.
pub fn configure(_cfg: &mut web::ServiceConfig) {}
