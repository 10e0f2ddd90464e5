//! Interactions: the interaction log entries that logging a segment writes — the list with its
//! filters and CSV export, an entry's page, where only Evaluation and Canceled change (see
//! docs/segments.md, Log Segment) — and a single interaction logged from a contact's card.
//!
//! `domain` holds the queries, `single` the single interaction; `pages` the handlers; templates are in `templates/interactions/`.

pub mod domain;
pub mod pages;
pub mod single;

use actix_web::web;

/// Registers the interaction pages (the export before `/interactions/{id}`), and the form
/// that logs one from a contact's card.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(pages::list)
        .service(pages::export)
        .service(pages::export_xlsx)
        .service(pages::show)
        .service(pages::update);
}

/// Registers the pages that log an interaction from a contact's card (`/contacts/{no}/…`).
pub fn configure_contact_pages(cfg: &mut web::ServiceConfig) {
    cfg.service(pages::new).service(pages::create);
}
