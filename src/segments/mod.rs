//! Segments: the header, the lines, the criteria ledger and the wizard's steps.

pub mod actions;
pub mod criteria;
pub mod delete;
pub mod filter;
pub mod handlers;
pub mod lines;
pub mod mailing;
pub mod model;
pub mod refresh;
pub mod steps;
pub mod stored;
pub mod why;

use actix_web::web;

/// Registers the segment pages (fixed paths before `/segments/{no}`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(handlers::list)
        .service(why::why_from_contact)
        .service(actions::saved_list)
        .service(actions::saved_rename)
        .service(actions::saved_delete)
        .service(handlers::new)
        .service(actions::export)
        .service(actions::save_criteria)
        .service(actions::reuse_criteria)
        .service(actions::reuse_segment)
        .service(mailing::page)
        .service(mailing::apply_page)
        .service(mailing::undo_page)
        .service(why::why)
        .service(refresh::preview)
        .service(refresh::apply)
        .service(delete::confirm)
        .service(delete::delete)
        .service(handlers::create)
        .service(handlers::show)
        .service(handlers::update)
        .service(handlers::step_form)
        .service(handlers::step_apply)
        .service(handlers::go_back_confirm)
        .service(handlers::go_back)
        .service(handlers::add_line)
        .service(handlers::remove_line)
        .service(lines::show)
        .service(lines::update);
}
