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
    pub business_relations: CodeList,
    pub mailing_groups: CodeList,
    pub job_responsibilities: CodeList,
}

impl Options {
    /// The list's filters (salespeople, territories, countries, industry groups, business
    /// relations, mailing groups and job responsibilities) or the form's code fields (salespeople, territories,
    /// countries, languages, organizational levels), in one statement.
    pub(super) fn load(conn: &mut PgConnection, for_list: bool) -> QueryResult<Options> {
        let rest: &[&str] = if for_list {
            &[
                "industry_groups",
                "business_relations",
                "mailing_groups",
                "job_responsibilities",
            ]
        } else {
            &["languages", "organizational_levels"]
        };
        let tables: Vec<&str> = ["salespeople", "territories", "countries"]
            .iter()
            .chain(rest)
            .copied()
            .collect();
        let mut lists = setup::options_of(conn, &tables)?.into_iter();
        let mut next = || lists.next().unwrap_or_default();
        let mut options = Options {
            salespeople: next(),
            territories: next(),
            countries: next(),
            ..Options::default()
        };
        if for_list {
            options.industry_groups = next();
            options.business_relations = next();
            options.mailing_groups = next();
            options.job_responsibilities = next();
        } else {
            options.languages = next();
            options.organizational_levels = next();
        }
        Ok(options)
    }
}
