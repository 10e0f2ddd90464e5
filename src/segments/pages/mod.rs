//! The segment pages: thin handlers that read the form, call the domain, and render or
//! redirect.

pub mod delete;
pub mod export;
pub mod go_back;
pub mod header;
pub mod lines;
pub mod list;
pub mod mailing;
pub mod refresh;
pub mod saved;
pub mod why;
pub mod wizard;
