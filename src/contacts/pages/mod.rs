//! The contact pages: thin handlers that read the form, call the domain, and render or
//! redirect.

pub mod card;
pub mod delete;
pub mod export;
pub mod form;
pub mod import;
pub mod list;

use diesel::prelude::*;

use crate::setup::{self, CodeOption};

/// The choices of the list's filters and the form's code fields.
#[derive(Default)]
pub struct Options {
    pub salespeople: Vec<CodeOption>,
    pub territories: Vec<CodeOption>,
    pub countries: Vec<CodeOption>,
    pub languages: Vec<CodeOption>,
    pub organizational_levels: Vec<CodeOption>,
    pub industry_groups: Vec<CodeOption>,
    pub mailing_groups: Vec<CodeOption>,
}

impl Options {
    pub(super) fn load(conn: &mut PgConnection, for_list: bool) -> QueryResult<Options> {
        Ok(Options {
            salespeople: setup::options(conn, "salespeople")?,
            territories: setup::options(conn, "territories")?,
            countries: setup::options(conn, "countries")?,
            languages: if for_list {
                Vec::new()
            } else {
                setup::options(conn, "languages")?
            },
            organizational_levels: if for_list {
                Vec::new()
            } else {
                setup::options(conn, "organizational_levels")?
            },
            industry_groups: if for_list {
                setup::options(conn, "industry_groups")?
            } else {
                Vec::new()
            },
            mailing_groups: if for_list {
                setup::options(conn, "mailing_groups")?
            } else {
                Vec::new()
            },
        })
    }
}
