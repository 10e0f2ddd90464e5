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

/// `QueryableByName` for a row read with [`Columns`]: each field is the column of its name, of
/// the SQL type given, read in the order given (the statement's).
///
/// ```ignore
/// columns_in_order!(ListRow { no: Text, company_no: Nullable<Text>, blocked: Bool });
/// ```
macro_rules! columns_in_order {
    ($row:ty { $($field:ident: $sql:ty),* $(,)? }) => {
        impl diesel::deserialize::QueryableByName<diesel::pg::Pg> for $row {
            fn build<'a>(
                row: &impl diesel::row::NamedRow<'a, diesel::pg::Pg>,
            ) -> diesel::deserialize::Result<Self> {
                let mut columns = $crate::db::columns::Columns::new(row);
                Ok(Self {
                    $($field: columns.next::<$sql, _>(stringify!($field))?,)*
                })
            }
        }
    };
}
pub(crate) use columns_in_order;
