//! The segment pages: thin handlers that read the form, call the domain, and render or
//! redirect.

pub mod delete;
pub mod export;
pub mod go_back;
pub mod header;
pub mod lines;
pub mod list;
pub mod log;
pub mod mailing;
pub mod refresh;
pub mod saved;
pub mod why;
pub mod wizard;

impl From<crate::segments::domain::steps::RunError> for crate::web::AppError {
    fn from(e: crate::segments::domain::steps::RunError) -> Self {
        use crate::segments::domain::steps::RunError;
        match e {
            RunError::NotFound => crate::web::AppError::NotFound,
            RunError::NotDraft => crate::web::AppError::Forbidden,
            RunError::Db(e) => e.into(),
        }
    }
}
