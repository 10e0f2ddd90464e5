//! Interactions: the interaction log entries that logging a segment writes — the list with its
//! filters and an entry's page, where only Evaluation and Canceled change (see
//! docs/segments.md, Log Segment).
//!
//! `domain` holds the queries; `pages` the handlers; templates are in `templates/interactions/`.

pub mod domain;
pub mod pages;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(pages::list)
        .service(pages::show)
        .service(pages::update);
}
