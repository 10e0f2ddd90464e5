//! Contacts: companies and persons, their classifications, the list, import and export.

pub mod card;
pub mod csv_format;
pub mod export;
pub mod guards;
pub mod handlers;
pub mod import;
pub mod import_jobs;
pub mod import_pages;
pub mod import_write;
pub mod list;
pub mod model;

use actix_web::web;

/// Registers the contact pages (fixed paths before `/contacts/{no}`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(handlers::list)
        .service(export::export)
        .service(import_pages::form)
        .service(import_pages::upload)
        .service(import_pages::job)
        .service(import_pages::job_status)
        .service(handlers::new)
        .service(handlers::create)
        .service(handlers::show)
        .service(handlers::edit)
        .service(handlers::update)
        .service(handlers::confirm_delete)
        .service(handlers::delete)
        .service(handlers::classify)
        .service(handlers::profile);
}
