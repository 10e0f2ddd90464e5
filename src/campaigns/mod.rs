//! Campaigns: the list, the card with its figures from the non-canceled interaction entries,
//! its segments and newest entries, and creating, editing and deleting a campaign (see
//! docs/architecture.md, The areas). Segments and single interactions are logged into a
//! campaign by `segments::domain::log` and the interactions area.
//!
//! `domain` holds the rules and their SQL, `usage` what stops a deletion, `figures` the card's
//! figures kept per version of the campaign's entries; `pages` the handlers; templates are in `templates/campaigns/`.

pub mod domain;
pub mod figures;
pub mod pages;
pub mod usage;

use actix_web::web;

/// Registers the campaign pages (fixed paths before `/campaigns/{no}`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(pages::list)
        .service(pages::new)
        .service(pages::create)
        .service(pages::edit)
        .service(pages::confirm_delete)
        .service(pages::delete)
        .service(pages::show)
        .service(pages::update);
}
