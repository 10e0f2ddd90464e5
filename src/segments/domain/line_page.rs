//! A page of a segment's lines: the orders a user sorts them by, the search, and keyset
//! paging (Next and Previous go on after or before the line a page showed, from its sort keys
//! as the link carries them), read by a statement kept prepared in the line order.

use crate::segments::domain::header::Segment;
use crate::segments::domain::lines::{
    line_select, LineRow, EFFECTIVE_CORRESPONDENCE, LINE_TEMPLATE_JOIN,
};
use crate::web::pagination::Pager;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

pub const LINES_PAGE: i64 = 100;

/// Where a page of lines starts: at a page number, or just after or before a line that the
/// previous page showed (keyset paging: the page is read after the shown line's sort key,
/// however deep it is).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinesFrom {
    Page,
    After(Bound),
    Before(Bound),
}

/// The line a page starts after (or ends before), and its sort keys as the page that linked
/// here showed them ([`LineSort::key_values`]), when the link carries them: the page goes on
/// from there even if the line's contact was renamed (or moved) since. Looked up afresh, its
/// new place would skip or repeat the lines in between. Without them (an older bookmark), it
/// goes on from where the line is now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bound {
    pub line: i64,
    pub key: Option<Vec<String>>,
}

/// The orders of a segment's lines on its page (the column a user sorts by).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LineSort {
    /// Company name and No., the company first, then the person's name: the line order.
    #[default]
    Company,
    No,
    Name,
    City,
    Salesperson,
    Correspondence,
    Step,
}

impl LineSort {
    pub const ALL: [LineSort; 7] = [
        LineSort::No,
        LineSort::Name,
        LineSort::Company,
        LineSort::City,
        LineSort::Salesperson,
        LineSort::Correspondence,
        LineSort::Step,
    ];

    pub fn key(self) -> &'static str {
        match self {
            LineSort::Company => "company",
            LineSort::No => "no",
            LineSort::Name => "name",
            LineSort::City => "city",
            LineSort::Salesperson => "salesperson",
            LineSort::Correspondence => "correspondence",
            LineSort::Step => "step",
        }
    }

    pub fn parse(s: &str) -> Option<LineSort> {
        LineSort::ALL.into_iter().find(|k| k.key() == s)
    }

    /// Whether its keys read the line's contact `c`.
    fn reads_contact(self) -> bool {
        matches!(
            self,
            LineSort::No | LineSort::City | LineSort::Salesperson | LineSort::Correspondence
        )
    }

    /// Whether its keys read the segment's header `s`.
    fn reads_header(self) -> bool {
        matches!(self, LineSort::Salesperson | LineSort::Correspondence)
    }

    /// The sort key's expressions (over `l`, `c`, `s`, `lt`), never NULL so that a keyset
    /// comparison holds for every line; the line's id ends every order.
    fn columns(self) -> Vec<String> {
        self.keys().iter().map(|(c, _)| c.to_string()).collect()
    }

    /// A line's values in this order's keys, as text, in the order of [`LineSort::columns`]:
    /// what a page's link carries for the line it starts after or ends before.
    pub fn key_values(self, line: &LineRow) -> Vec<String> {
        match self {
            LineSort::Company => vec![
                line.company_name.clone(),
                line.company_no.clone(),
                line.is_person.to_string(),
                line.contact_name.clone(),
            ],
            LineSort::No => vec![line.contact_no.clone()],
            LineSort::Name => vec![line.contact_name.clone(), line.company_name.clone()],
            LineSort::City => vec![line.city.clone()],
            LineSort::Salesperson => vec![line.salesperson.clone().unwrap_or_default()],
            LineSort::Correspondence => vec![line.correspondence_type.clone()],
            LineSort::Step => vec![line.added_by_step.to_string()],
        }
    }

    /// Whether `key` can be this order's keys: as many values as it has keys, each one its
    /// type reads (`true`/`false`, a whole number, a text without NUL). Anything else in a
    /// link is passed over: the page goes on from where its line is now.
    pub fn reads_key(self, key: &[String]) -> bool {
        let keys = self.keys();
        key.len() == keys.len()
            && keys.iter().zip(key).all(|((_, t), v)| match *t {
                "boolean" => v == "true" || v == "false",
                "integer" => v.parse::<i32>().is_ok(),
                _ => !v.contains('\0'),
            })
    }

    /// The order's keys: each column and its SQL type.
    fn keys(self) -> Vec<(String, &'static str)> {
        match self {
            LineSort::Company => vec![
                ("l.company_name".into(), "text"),
                ("l.company_no".into(), "text"),
                ("l.is_person".into(), "boolean"),
                ("l.contact_name".into(), "text"),
            ],
            LineSort::No => vec![("c.no::text".into(), "text")],
            LineSort::Name => vec![
                ("l.contact_name".into(), "text"),
                ("l.company_name".into(), "text"),
            ],
            LineSort::City => vec![("c.city".into(), "text")],
            LineSort::Salesperson => vec![(
                "COALESCE(l.salesperson_code, s.salesperson_code, c.salesperson_code, '')::text"
                    .into(),
                "text",
            )],
            LineSort::Correspondence => {
                vec![(format!("COALESCE({EFFECTIVE_CORRESPONDENCE}, '')"), "text")]
            }
            LineSort::Step => vec![("l.added_by_step".into(), "integer")],
        }
    }
}

/// How the segment page shows its lines: a search (No., name, company, e-mail, city, phone;
/// any part, any case) and an order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LinesQuery {
    pub q: String,
    pub sort: LineSort,
    pub descending: bool,
}

impl LinesQuery {
    /// From the page's parameters; an unknown order is the line order.
    pub fn new(q: Option<&str>, sort: Option<&str>, dir: Option<&str>) -> LinesQuery {
        LinesQuery {
            q: q.unwrap_or("").trim().replace('\0', ""),
            sort: sort.and_then(LineSort::parse).unwrap_or_default(),
            descending: dir == Some("desc"),
        }
    }

    pub fn is_searching(&self) -> bool {
        !self.q.is_empty()
    }

    pub fn dir(&self) -> &'static str {
        if self.descending {
            "desc"
        } else {
            "asc"
        }
    }

    /// The parameters that are not the defaults, for a link (`q`, `sort`, `dir`).
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if !self.q.is_empty() {
            pairs.push(("q", self.q.clone()));
        }
        if self.sort != LineSort::Company {
            pairs.push(("sort", self.sort.key().to_string()));
        }
        if self.descending {
            pairs.push(("dir", "desc".to_string()));
        }
        pairs
    }

    /// The search's condition on a line `l` of the segment bound as `segment` (its pattern
    /// bound as `p`), if there is a search: the line's contact `c` matches (its No., name,
    /// e-mail, city, phone), or the company name the line shows does, folded.
    ///
    /// A search the trigram index can narrow ([`LinesQuery::by_index`]) picks its
    /// contacts from their trigram index, and folds the segment's company names once each,
    /// not each line's (ICU's lowercase: 230 ms of the 330 that testing a 196,228-line
    /// segment's company names took, for its 10,133 names). Tested on each line, such a
    /// search took 1.3–1.7 s a statement on that segment whatever it found; picked, a search
    /// that finds nothing 0.13 s, `berlin` (41,312 lines) 0.23 s. A shorter search finds
    /// most lines: tested on each line in the page's order, the page stops at its hundredth.
    fn condition(&self, p: &str, segment: &str) -> String {
        if !self.is_searching() {
            return String::new();
        }
        let phone =
            crate::db::text::phone_test(&self.q, if self.by_index() { "m" } else { "c" }, p)
                .map(|test| format!(" AND {test}"))
                .unwrap_or_default();
        if self.by_index() {
            format!(
                " AND (l.contact_id IN (SELECT m.id FROM contacts m WHERE m.search_text LIKE {p}{phone}) \
                 OR l.company_name IN (SELECT d.n FROM (SELECT DISTINCT o.company_name AS n \
                 FROM segment_lines o WHERE o.segment_id = {segment} \
                 AND o.removed_by_step IS NULL OFFSET 0) d WHERE rapport_fold(d.n) LIKE {p}))"
            )
        } else {
            format!(
                " AND ((c.search_text LIKE {p}{phone}) OR rapport_fold(l.company_name) LIKE {p})"
            )
        }
    }

    /// Whether the search's contacts are picked from the trigram index of their search text:
    /// the search, folded, gives the index a trigram of two letters or digits or more. In
    /// the database's C locale only ASCII letters and digits make words (other letters part
    /// them), so such a trigram comes from three in a row, or from two beside another
    /// character of the search (`køge`: " ge", the start of a word). With less (`ø`, `ab`),
    /// the index would hand back every contact, or every one with a word starting with a
    /// letter.
    fn by_index(&self) -> bool {
        let folded: Vec<char> = crate::db::text::search_term(&self.q).chars().collect();
        let mut start = 0;
        while start < folded.len() {
            let run = folded[start..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric())
                .count();
            let bounded = start > 0 || start + run < folded.len();
            if run >= 3 || (run == 2 && bounded) {
                return true;
            }
            start += run.max(1);
        }
        false
    }

    /// `k1 ASC, k2 ASC, id ASC` (or the reverse) over the keys of the rows.
    fn order(&self, reverse: bool) -> String {
        let dir = self.direction(reverse);
        let mut keys: Vec<String> = (1..=self.sort.columns().len())
            .map(|i| format!("k{i} {dir}"))
            .collect();
        keys.push(format!("id {dir}"));
        keys.join(", ")
    }

    /// `ASC` or `DESC`: the list's direction, or its reverse.
    fn direction(&self, reverse: bool) -> &'static str {
        if self.descending != reverse {
            "DESC"
        } else {
            "ASC"
        }
    }
}

/// How many lines the search finds (every line when there is none).
pub fn count(
    conn: &mut PgConnection,
    segment: &Segment,
    query: &LinesQuery,
    all: i64,
) -> QueryResult<i64> {
    if !query.is_searching() {
        return Ok(all);
    }
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    // Picked by the index, a line's contact is not read.
    let contact = if query.by_index() {
        ""
    } else {
        " JOIN contacts c ON c.id = l.contact_id"
    };
    let n: N = diesel::sql_query(format!(
        "SELECT count(*) AS n FROM segment_lines l{contact} \
         WHERE l.segment_id = $1 AND l.removed_by_step IS NULL{}",
        query.condition("$2", "$1")
    ))
    .bind::<BigInt, _>(segment.id)
    .bind::<Text, _>(crate::db::text::search_pattern(&query.q))
    .get_result(conn)?;
    Ok(n.n)
}

/// One page of a segment's lines that the search finds, in the query's order. A page number
/// is read from the nearer end of the order; a line that no longer exists falls back to the
/// page number. A page read after (before) a line says too whether lines follow (precede) it:
/// the page number its link carries is out of date once lines before it left the segment,
/// and Next (Previous) goes by what is there, not by that number.
pub fn lines(
    conn: &mut PgConnection,
    segment_id: i64,
    pager: &Pager,
    from: LinesFrom,
    query: &LinesQuery,
) -> QueryResult<(Vec<LineRow>, Option<bool>)> {
    let keys: Vec<String> = query
        .sort
        .columns()
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} AS k{}", i + 1))
        .collect();
    let names: Vec<String> = (1..=keys.len()).map(|i| format!("k{i}")).collect();
    let names = names.join(", ");
    // The line order without a search is read from the members index whatever the segment:
    // kept prepared, its limit written out (at most a page: one text per size of a last page),
    // so that the plan made once for all values knows it (with a bound limit it would reckon
    // with reading a tenth of the segment). Other orders sort the segment's lines, and a page
    // by number skips some (its offset written out): planned for their values each time.
    let in_line_order = !query.is_searching() && query.sort == LineSort::Company;
    // In the line order the segment is a value the plan does not look into (see
    // `db::prepared`): planned for a known segment, the same plan was reckoned cheaper than
    // the one for all segments, so PostgreSQL planned every view anew (0.9 ms, more than the
    // read itself).
    let segment = if in_line_order {
        crate::db::unseen("$1", "bigint")
    } else {
        "$1".to_string()
    };
    // In an order no index keeps (name, city, salesperson, correspondence, step), the
    // page's lines are picked by their keys alone, read with only the tables those keys and
    // the search need, and only then read whole, a page of them. On a 196,228-line segment,
    // a view by name took 1.2–1.9 s and now 0.08 s, by step 0.10–0.16 s, by salesperson
    // 0.6–0.8 s (was 1.2–1.9), by city 0.3–0.4 s (was 0.4–0.7). (In the line order, or by
    // No., an index walk stops at the page's end: a search there was slower picked.)
    let picked = !matches!(query.sort, LineSort::Company | LineSort::No);
    let with_keys = format!(", {}", keys.join(", "));
    // The rows with their sort keys, inlined wherever they are read (NOT MATERIALIZED): the
    // key of the line a page starts after is one lookup by id. Values: $1 the segment, $2 the
    // line a page starts after, $3 the search.
    let rows = if picked {
        let mut tables = String::from("segment_lines l");
        if query.sort.reads_header() {
            tables.push_str(" JOIN segments s ON s.id = l.segment_id");
        }
        if query.sort.reads_contact() || (query.is_searching() && !query.by_index()) {
            tables.push_str(" JOIN contacts c ON c.id = l.contact_id");
        }
        if query.sort == LineSort::Correspondence {
            tables.push_str(&format!(" {LINE_TEMPLATE_JOIN}"));
        }
        format!("SELECT l.id{with_keys} FROM {tables}")
    } else {
        line_select(&with_keys)
    };
    let rows = format!(
        "WITH r AS NOT MATERIALIZED ({rows} \
           WHERE l.segment_id = {segment} AND l.removed_by_step IS NULL{}) ",
        query.condition("$3", &segment)
    );
    // A page of `r` (`filter`: "" or " WHERE …"), `limit` rows (and any OFFSET) in the order
    // or its reverse. Picked, its lines are then read whole by their ids, in the page's order.
    let page_sql = |filter: &str, reverse: bool, limit: &str| {
        let order = query.order(reverse);
        let page = format!("SELECT * FROM r{filter} ORDER BY {order} LIMIT {limit}");
        if picked {
            format!(
                "SELECT * FROM (SELECT w.* FROM ({page}) p CROSS JOIN LATERAL ({} \
                 WHERE l.id = p.id) w) x ORDER BY {order}",
                line_select(&with_keys)
            )
        } else {
            page
        }
    };
    // The page's rows with the codes alone: the page names them from its kept code lists
    // (joined here to name them, the page's 100 rows were sorted once more after the join,
    // a quarter of the statement's time).
    // Values: $4 on, the keys a link carries.
    let load = |page: String, keep: bool, line: i64, key: &[String], conn: &mut PgConnection| {
        key.iter()
            .fold(
                crate::db::prepared_if(keep, format!("{rows}{page}"))
                    .bind::<BigInt, _>(segment_id)
                    .bind::<BigInt, _>(line)
                    .bind::<Text, _>(crate::db::text::search_pattern(&query.q)),
                |q, v| q.bind::<Text, _>(v.clone()),
            )
            .load::<LineRow>(conn)
    };
    // The page after (`reverse`: before) a line: from the keys the link carries, or else
    // from the line's keys as they are now.
    let types: Vec<&str> = query.sort.keys().iter().map(|(_, t)| *t).collect();
    let keyed = |reverse: bool, line: i64, key: Option<&[String]>, conn: &mut PgConnection| {
        let cmp = if query.descending != reverse {
            "<"
        } else {
            ">"
        };
        let (bound, key) = match key {
            Some(key) if query.sort.reads_key(key) => {
                // Out of the planner's sight, as the segment is: the statement kept prepared
                // is planned once for all keys (seen, each view was planned anew: 1.8 ms,
                // and the page served 1,300 requests a second instead of 1,830).
                let values: Vec<String> = types
                    .iter()
                    .enumerate()
                    .map(|(i, t)| crate::db::unseen(&format!("${}", i + 4), t))
                    .collect();
                (format!("({}, $2)", values.join(", ")), key)
            }
            _ => (
                format!("(SELECT {names}, id FROM r WHERE id = $2)"),
                &[][..],
            ),
        };
        load(
            // One more than a page: whether lines go on past it.
            page_sql(
                &format!(" WHERE ({names}, id) {cmp} {bound}"),
                reverse,
                &(LINES_PAGE + 1).to_string(),
            ),
            in_line_order,
            line,
            key,
            conn,
        )
    };
    // A page by number, `limit` rows after skipping `offset` in the order (or its reverse).
    // In the line order the lines skipped are counted in the members index alone, and the
    // page is read after the last of them: skipping 90,000 lines with their contacts and
    // codes took a second, in the index 15–70 ms.
    let numbered = |reverse: bool, limit: i64, offset: i64, conn: &mut PgConnection| {
        if in_line_order && offset > 0 {
            if let Some(line) = line_at(conn, segment_id, query, reverse, offset - 1)? {
                let mut rows = keyed(reverse, line, None, conn)?;
                rows.truncate(usize::try_from(limit).unwrap_or(0));
                return Ok(rows);
            }
        }
        let skip = if offset > 0 {
            format!(" OFFSET {offset}")
        } else {
            String::new()
        };
        load(
            page_sql("", reverse, &format!("{limit}{skip}")),
            in_line_order && offset == 0,
            0,
            &[],
            conn,
        )
    };
    let page_size = usize::try_from(LINES_PAGE).unwrap_or(0);
    let backwards = matches!(from, LinesFrom::Before(_));
    let rows_found = match from {
        LinesFrom::After(b) => keyed(false, b.line, b.key.as_deref(), conn)?,
        LinesFrom::Before(b) => keyed(true, b.line, b.key.as_deref(), conn)?,
        LinesFrom::Page => Vec::new(),
    };
    if !rows_found.is_empty() {
        let more = rows_found.len() > page_size;
        let mut rows = rows_found;
        rows.truncate(page_size);
        if backwards {
            rows.reverse();
        }
        return Ok((rows, Some(more)));
    }
    let offset = pager.offset();
    let shown = pager.last_row() - offset;
    let from_end = pager.total - pager.last_row();
    if from_end < offset {
        let mut found = numbered(true, shown, from_end, conn)?;
        found.reverse();
        return Ok((found, None));
    }
    Ok((numbered(false, LINES_PAGE, offset, conn)?, None))
}

/// The id of the line `skip` lines into a segment's line order (or its reverse), read from
/// the members index alone; `None` past the end.
fn line_at(
    conn: &mut PgConnection,
    segment_id: i64,
    query: &LinesQuery,
    reverse: bool,
    skip: i64,
) -> QueryResult<Option<i64>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let dir = query.direction(reverse);
    let order: Vec<String> = LineSort::Company
        .columns()
        .into_iter()
        .chain(["l.id".to_string()])
        .map(|key| format!("{key} {dir}"))
        .collect();
    let order = order.join(", ");
    crate::db::planned(format!(
        "SELECT l.id FROM segment_lines l WHERE l.segment_id = $1 AND l.removed_by_step IS NULL \
         ORDER BY {order} OFFSET {skip} LIMIT 1"
    ))
    .bind::<BigInt, _>(segment_id)
    .get_result::<Id>(conn)
    .optional()
    .map(|found| found.map(|f| f.id))
}

#[cfg(test)]
mod tests {
    use super::{LineSort, LinesQuery};

    #[test]
    fn a_lines_keys_in_a_link_are_read_only_as_their_types() {
        let key = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(LineSort::Company.reads_key(&key(&["Acme", "CT1", "true", "Ann"])));
        assert!(LineSort::Company.reads_key(&key(&["", "", "false", ""])));
        assert!(!LineSort::Company.reads_key(&key(&["Acme", "CT1", "maybe", "Ann"])));
        assert!(!LineSort::Company.reads_key(&key(&["Acme", "true", "Ann"])));
        assert!(!LineSort::Company.reads_key(&key(&["Ac\0me", "CT1", "true", "Ann"])));
        assert!(LineSort::Step.reads_key(&key(&["12"])));
        assert!(!LineSort::Step.reads_key(&key(&["12; DROP TABLE x"])));
        assert!(!LineSort::Step.reads_key(&key(&["99999999999"])));
        assert!(LineSort::City.reads_key(&key(&["Århus"])));
        assert!(!LineSort::City.reads_key(&key(&[])));
    }

    #[test]
    fn a_search_the_trigram_index_can_narrow_picks_its_contacts_by_the_index() {
        let by_index = |q: &str| LinesQuery::new(Some(q), None, None).by_index();
        assert!(by_index("berlin") && by_index("p01") && by_index("søren"));
        assert!(by_index("50% GmbH") && by_index("Straße"));
        // Two letters beside another of the search's characters start or end a word.
        assert!(by_index("Køge") && by_index("jørg") && by_index("ab-") && by_index("æbl"));
        assert!(!by_index("a") && !by_index("rh") && !by_index("ærø") && !by_index("a.b-c"));
        assert!(!by_index("ø") && !by_index("øa") && !by_index("ab") && by_index("ßa"));
        let short = LinesQuery::new(Some("rh"), None, None);
        assert!(short
            .condition("$3", "$1")
            .contains("c.search_text LIKE $3"));
        let long = LinesQuery::new(Some("berlin"), None, None);
        assert!(long.condition("$3", "$1").contains("o.segment_id = $1"));
        assert_eq!(LinesQuery::default().condition("$3", "$1"), "");
    }
}
