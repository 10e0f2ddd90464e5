//! The rules of opportunities and their SQL: plain functions over `&mut PgConnection`, no HTTP.
//! The rules of moving through a sales cycle are the cycle's own
//! (`setup::sales_cycles::rules`); these apply them to one opportunity or a segment's lines.

pub mod close;
pub mod edit;
pub mod from_segment;
pub mod list;
pub mod moves;
pub mod pipeline;
pub mod record;
