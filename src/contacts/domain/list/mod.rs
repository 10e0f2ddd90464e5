//! The contact list: search, filters, sorting, paging — one SQL statement with bound
//! values, shared by the list page and the CSV export. Its rooms: the query the URL carries
//! (`query`: filters, sort, links), a page of it read (`page`: keyset paging, a page read in
//! parts), and its counts (`counts`).

mod counts;
mod page;
mod query;
pub use counts::{kept_total, total, KeptCounts, Total};
pub use page::{page, From, ListRow, Page};
pub use query::{
    company_problem, ListQuery, Size, MAX_PAGE_SIZE, MIN_PAGE_SIZE, NONE, PAGE_SIZE, SORTS,
};
