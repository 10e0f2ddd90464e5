//! Segments: the header, the lines, the criteria ledger and the wizard's steps.
//!
//! `domain/` holds the rules and their SQL; `pages/` the handlers; the templates are in
//! `templates/segments/`.

pub mod domain;
pub mod pages;

pub use domain::{criteria, filter};

use actix_web::web;

/// Registers the segment pages: the fixed paths that `/segments/{no}` would match first, then
/// the segment page itself (the most visited: routing compares the paths before it in turn),
/// then the rest.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(pages::list::list)
        .service(pages::why::why_from_contact)
        .service(pages::header::new)
        .service(pages::header::create)
        .service(pages::show::show)
        .service(pages::header::update)
        .service(pages::export::export)
        .service(pages::export::export_xlsx)
        .service(pages::saved::save_criteria)
        .service(pages::reuse::reuse_criteria)
        .service(pages::reuse::reuse_segment)
        .service(pages::reuse::page)
        .service(pages::mailing::page)
        .service(pages::mailing::apply_page)
        .service(pages::mailing::undo_page)
        .service(pages::why::why)
        .service(pages::refresh::preview)
        .service(pages::refresh::apply)
        .service(pages::log::page)
        .service(pages::log::log_segment)
        .service(pages::log::cancel_confirm)
        .service(pages::log::cancel)
        .service(pages::log::restore)
        .service(pages::delete::confirm)
        .service(pages::delete::delete)
        .service(pages::wizard::step_form)
        .service(pages::wizard::step_apply)
        .service(pages::go_back::go_back_confirm)
        .service(pages::go_back::go_back)
        .service(pages::lines::add_line)
        .service(pages::lines::remove_line)
        .service(pages::lines::show)
        .service(pages::lines::update);
}

/// Registers the saved criteria's pages (`/saved-criteria`).
pub fn configure_saved_criteria(cfg: &mut web::ServiceConfig) {
    cfg.service(pages::saved::saved_list)
        .service(pages::saved::saved_rename)
        .service(pages::saved::saved_confirm_delete)
        .service(pages::saved::saved_delete)
        .service(pages::saved::use_in_new_segment);
}
