//! The opportunity pages. Thin handlers: read the form, call the domain, render or redirect.

pub mod card;
pub mod edit;
pub mod from_segment;
pub mod list;
