//! Rows of a statement read column after column.
//!
//! diesel's `QueryableByName` finds each field's column by searching the row's columns by
//! name, for every row: a row of n columns makes n²/2 comparisons of names. On the segment
//! page (100 rows of 17 columns) that search was 7 % of Rapport's own instructions for the
//! page (`bench/instructions.sh`), on the contact list 5 %. A row type read many at a time (a
//! page's rows, an export's) implements `QueryableByName` with [`Columns`] instead
//! ([`columns_in_order!`]): each field is the next column, its name checked, so a statement
//! that puts its columns in another order is still read right (by name, as diesel would).

use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::row::{Field, NamedRow, Row};

/// The columns of a row, read in order: see the module's documentation.
pub struct Columns<'r, R> {
    row: &'r R,
    next: usize,
}

impl<'r, 'a, R: NamedRow<'a, Pg>> Columns<'r, R> {
    pub fn new(row: &'r R) -> Self {
        Columns { row, next: 0 }
    }

    /// The column `name`: the next one when it is named so (one comparison), else found by
    /// its name (and reading goes on after it).
    pub fn next<ST, T: FromSql<ST, Pg>>(&mut self, name: &str) -> deserialize::Result<T> {
        let named = |i: usize| Row::get(self.row, i).is_some_and(|f| f.field_name() == Some(name));
        let at = if named(self.next) {
            self.next
        } else {
            match (0..self.row.field_count()).find(|&i| named(i)) {
                Some(i) => i,
                // Not there: diesel's own error for a missing column.
                None => return NamedRow::get::<ST, T>(self.row, name),
            }
        };
        self.next = at + 1;
        let field = Row::get(self.row, at).ok_or(diesel::result::UnexpectedEndOfRow)?;
        T::from_nullable_sql(field.value())
    }
}

/// A row struct read with [`Columns`]: the struct as written, each field followed by `as` and
/// the SQL type of its column, and its `QueryableByName`, which reads each field from the
/// column of its name in the order written (the statement's). A field whose column is named
/// otherwise says so after `=` (a contact's `kind`, whose column is `type`).
///
/// ```ignore
/// columns_in_order! {
///     #[derive(Clone, Debug)]
///     pub struct ListRow {
///         pub no: String as Text,
///         pub kind: String as Text = "type",
///         pub company_no: Option<String> as Nullable<Text>,
///     }
/// }
/// ```
macro_rules! columns_in_order {
    (
        $(#[$meta:meta])*
        $vis:vis struct $row:ident {
            $($(#[$field_meta:meta])* $field_vis:vis $field:ident: $ty:ty as $sql:ty $(= $column:literal)?),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $row {
            $($(#[$field_meta])* $field_vis $field: $ty,)*
        }

        impl diesel::deserialize::QueryableByName<diesel::pg::Pg> for $row {
            fn build<'a>(
                row: &impl diesel::row::NamedRow<'a, diesel::pg::Pg>,
            ) -> diesel::deserialize::Result<Self> {
                let mut columns = $crate::db::columns::Columns::new(row);
                Ok(Self {
                    $($field: columns.next::<$sql, _>(
                        $crate::db::columns::columns_in_order!(@column $field $($column)?)
                    )?,)*
                })
            }
        }
    };
    (@column $field:ident) => {
        stringify!($field)
    };
    (@column $field:ident $column:literal) => {
        $column
    };
}
pub(crate) use columns_in_order;
