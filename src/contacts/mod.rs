//! Contacts: companies and persons, their classifications, the list, import and export.
//! The rules and their SQL are in [`domain`], the pages in [`pages`].

pub mod domain;
pub mod pages;

pub use domain::{csv_format, import_jobs, model};

use actix_web::web;

/// Registers the contact pages (fixed paths before `/contacts/{no}`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(pages::list::list)
        .service(pages::export::export)
        .service(pages::export::export_xlsx)
        .service(pages::import::form)
        .service(pages::import::upload)
        .service(pages::import::job)
        .service(pages::import::job_status)
        .service(pages::form::new)
        .service(pages::form::create)
        .service(pages::card::show)
        .service(pages::form::edit)
        .service(pages::form::update)
        .service(pages::delete::confirm_delete)
        .service(pages::delete::delete)
        .service(pages::card::classify)
        .service(pages::card::profile);
}
