//! Sales opportunities: the list with its pipeline figures, an opportunity's card where it moves
//! through its sales cycle, is closed as won or lost and reopened, and Create Opportunities from
//! a segment (see docs/architecture.md, The areas; SPEC §6a).
//!
//! `domain` holds the rules and their SQL; `pages` the handlers; templates are in
//! `templates/opportunities/`. Sales cycles, their stages and close codes are setup tables
//! (`setup::sales_cycles`).

pub mod domain;
pub mod pages;

use actix_web::web;

/// Registers the opportunity pages (fixed paths before `/opportunities/{no}`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(pages::list::list)
        .service(pages::list::export)
        .service(pages::list::export_xlsx)
        .service(pages::card::new)
        .service(pages::card::create)
        .service(pages::card::show)
        .service(pages::edit::edit_form)
        .service(pages::edit::save)
        .service(pages::card::to_card)
        .service(pages::card::update)
        .service(pages::card::close)
        .service(pages::card::reopen)
        .service(pages::card::confirm_delete)
        .service(pages::card::delete);
}

/// Registers the pages that turn a segment's lines into opportunities (`/segments/{no}/…`).
pub fn configure_segment_pages(cfg: &mut web::ServiceConfig) {
    cfg.service(pages::from_segment::preview)
        .service(pages::from_segment::create);
}
