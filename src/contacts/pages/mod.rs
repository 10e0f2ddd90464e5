//! The contact pages: thin handlers that read the form, call the domain, and render or
//! redirect.

pub mod card;
pub mod delete;
pub mod export;
pub mod form;
pub mod import;
pub mod list;

use diesel::prelude::*;

use crate::setup::{self, CodeList};

/// The choices of the list's filters and the form's code fields.
#[derive(Default)]
pub struct Options {
    pub salespeople: CodeList,
    pub territories: CodeList,
    pub countries: CodeList,
    pub languages: CodeList,
    pub organizational_levels: CodeList,
    pub industry_groups: CodeList,
    pub mailing_groups: CodeList,
}

impl Options {
    /// The list's filters (salespeople, territories, countries, industry and mailing groups)
    /// or the form's code fields (salespeople, territories, countries, languages,
    /// organizational levels), in one statement.
    pub(super) fn load(conn: &mut PgConnection, for_list: bool) -> QueryResult<Options> {
        let last = if for_list {
            ["industry_groups", "mailing_groups"]
        } else {
            ["languages", "organizational_levels"]
        };
        let mut lists = setup::options_of(
            conn,
            &["salespeople", "territories", "countries", last[0], last[1]],
        )?
        .into_iter();
        let mut next = || lists.next().unwrap_or_default();
        let (salespeople, territories, countries, fourth, fifth) =
            (next(), next(), next(), next(), next());
        let mut options = Options {
            salespeople,
            territories,
            countries,
            ..Options::default()
        };
        if for_list {
            options.industry_groups = fourth;
            options.mailing_groups = fifth;
        } else {
            options.languages = fourth;
            options.organizational_levels = fifth;
        }
        Ok(options)
    }
}
