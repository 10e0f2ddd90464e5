//! CSV import: every row is checked first; nothing is imported unless all rows are valid, and
//! then everything is written in one transaction with a constant number of statements. Large
//! files run in the background; the job page shows how far they got.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Nullable, Text};

use super::csv_format::{parse_correspondence, parse_flag, unneutralise, COLUMNS, LIST_SEPARATOR};
use super::model::valid_email;
use crate::setup::{self, number_series};

/// One valid row, ready to be written.
#[derive(Clone, Debug, Default)]
pub struct ImportRow {
    pub line: u64,
    pub no: String,
    pub kind: String,
    pub name: String,
    pub company_no: String,
    pub search_name: String,
    pub job_title: String,
    pub address: String,
    pub address_2: String,
    pub city: String,
    pub post_code: String,
    pub country_code: Option<String>,
    pub phone: String,
    pub mobile: String,
    pub email: String,
    pub website: String,
    pub salesperson_code: Option<String>,
    pub territory_code: Option<String>,
    pub language_code: Option<String>,
    pub correspondence_type: String,
    pub organizational_level_code: Option<String>,
    pub exclude_from_segment: bool,
    pub privacy_blocked: bool,
    pub industry_groups: Vec<String>,
    pub business_relations: Vec<String>,
    pub mailing_groups: Vec<String>,
    pub job_responsibilities: Vec<String>,
}

/// The problems found, by line; only the first [`Problems::SHOWN`] are kept.
#[derive(Debug, Default)]
pub struct Problems {
    pub lines: Vec<String>,
    pub count: u64,
}

impl Problems {
    pub const SHOWN: usize = 500;

    pub fn add(&mut self, line: u64, message: impl AsRef<str>) {
        self.count += 1;
        if self.lines.len() < Self::SHOWN {
            self.lines
                .push(format!("line {line}: {}", message.as_ref()));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// The codes a file may use, loaded once.
#[derive(Default)]
pub struct Codes {
    tables: HashMap<&'static str, HashSet<String>>,
}

impl Codes {
    pub fn load(conn: &mut PgConnection) -> QueryResult<Codes> {
        let mut tables = HashMap::new();
        for table in [
            "salespeople",
            "territories",
            "countries",
            "languages",
            "organizational_levels",
            "industry_groups",
            "business_relations",
            "mailing_groups",
            "job_responsibilities",
        ] {
            let codes = setup::options(conn, table)?
                .into_iter()
                .map(|o| o.code)
                .collect();
            tables.insert(table, codes);
        }
        Ok(Codes { tables })
    }

    fn has(&self, table: &str, code: &str) -> bool {
        self.tables.get(table).is_some_and(|t| t.contains(code))
    }
}

fn code_ok(code: &str) -> bool {
    !code.is_empty() && code.chars().count() <= 20 && !code.chars().any(char::is_whitespace)
}

/// Parses and checks every row on its own (shape, lengths, codes). `progress` is called with
/// the number of rows read so far, every 1,000 rows.
pub fn parse(
    data: &[u8],
    codes: &Codes,
    mut progress: impl FnMut(u64),
) -> (Vec<ImportRow>, Problems) {
    let mut problems = Problems::default();
    let mut rows = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(data);
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h
            .iter()
            .map(|c| c.trim().trim_start_matches('\u{feff}').to_lowercase())
            .collect(),
        Err(e) => {
            problems.add(1, format!("the file is not readable as CSV ({e})"));
            return (rows, problems);
        }
    };
    let unknown: Vec<&str> = headers
        .iter()
        .filter(|h| !COLUMNS.contains(&h.as_str()))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        problems.add(1, format!("unknown column(s): {}", unknown.join(", ")));
    }
    for required in ["type", "name"] {
        if !headers.iter().any(|h| h == required) {
            problems.add(1, format!("the column \"{required}\" is missing"));
        }
    }
    if !problems.is_empty() {
        return (rows, problems);
    }
    let index: HashMap<&str, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.as_str(), i))
        .collect();
    let mut record = csv::StringRecord::new();
    let mut count: u64 = 0;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(count + 2);
                problems.add(line, format!("not readable as CSV ({e})"));
                break;
            }
        }
        count += 1;
        if count.is_multiple_of(1000) {
            progress(count);
        }
        let line = record.position().map(|p| p.line()).unwrap_or(count + 1);
        if record.iter().all(str::is_empty) {
            continue;
        }
        let get = |name: &str| -> String {
            index
                .get(name)
                .and_then(|&i| record.get(i))
                .map(|v| unneutralise(v).trim().to_string())
                .unwrap_or_default()
        };
        match check_row(line, &get, codes) {
            Ok(row) => rows.push(row),
            Err(messages) => {
                for m in messages {
                    problems.add(line, m);
                }
            }
        }
    }
    progress(count);
    if rows.is_empty() && problems.is_empty() {
        problems.add(1, "the file has no contacts");
    }
    (rows, problems)
}

fn check_row(
    line: u64,
    get: &dyn Fn(&str) -> String,
    codes: &Codes,
) -> Result<ImportRow, Vec<String>> {
    let mut errors: Vec<String> = Vec::new();
    let kind = get("type").to_lowercase();
    if kind != "company" && kind != "person" {
        errors.push(format!("type must be company or person, not \"{kind}\""));
    }
    let name = get("name");
    if name.is_empty() {
        errors.push("name is empty".into());
    }
    let no = get("no").to_uppercase();
    if !no.is_empty() && !code_ok(&no) {
        errors.push(format!(
            "no \"{no}\" must be at most 20 characters without spaces"
        ));
    }
    let company_no = get("company_no").to_uppercase();
    if kind == "company" && !company_no.is_empty() {
        errors
            .push("a company does not belong to another company (company_no must be empty)".into());
    }
    let limits = [
        ("name", 100),
        ("search_name", 100),
        ("job_title", 100),
        ("address", 100),
        ("address_2", 100),
        ("city", 50),
        ("post_code", 20),
        ("phone", 30),
        ("mobile", 30),
        ("email", 250),
        ("website", 250),
    ];
    for (field, max) in limits {
        if get(field).chars().count() > max {
            errors.push(format!("{field} is longer than {max} characters"));
        }
    }
    let email = get("email");
    if !email.is_empty() && !valid_email(&email) {
        errors.push(format!("email \"{email}\" is not an e-mail address"));
    }
    let correspondence = parse_correspondence(&get("correspondence_type"));
    if correspondence.is_none() {
        errors.push("correspondence_type must be empty, hard_copy or email".into());
    }
    let mut code = |field: &str, table: &str, what: &str| -> Option<String> {
        let value = get(field).to_uppercase();
        if value.is_empty() {
            None
        } else {
            if !codes.has(table, &value) {
                errors.push(format!("unknown {what} {value}"));
            }
            Some(value)
        }
    };
    let country_code = code("country_code", "countries", "country/region");
    let salesperson_code = code("salesperson_code", "salespeople", "salesperson");
    let territory_code = code("territory_code", "territories", "territory");
    let language_code = code("language_code", "languages", "language");
    let organizational_level_code = code(
        "organizational_level_code",
        "organizational_levels",
        "organizational level",
    );
    let mut list = |field: &str, table: &str, what: &str, allowed: bool| -> Vec<String> {
        let raw = get(field);
        let values: Vec<String> = raw
            .split(LIST_SEPARATOR)
            .map(|v| v.trim().to_uppercase())
            .filter(|v| !v.is_empty())
            .collect();
        if !values.is_empty() && !allowed {
            errors.push(format!("{field} are not assigned to a {kind}"));
        }
        for v in &values {
            if !codes.has(table, v) {
                errors.push(format!("unknown {what} {v}"));
            }
        }
        let mut unique = values;
        unique.sort();
        unique.dedup();
        unique
    };
    let is_company = kind == "company";
    let industry_groups = list(
        "industry_groups",
        "industry_groups",
        "industry group",
        is_company,
    );
    let business_relations = list(
        "business_relations",
        "business_relations",
        "business relation",
        is_company,
    );
    let mailing_groups = list("mailing_groups", "mailing_groups", "mailing group", true);
    let job_responsibilities = list(
        "job_responsibilities",
        "job_responsibilities",
        "job responsibility",
        !is_company,
    );
    let mut flag = |field: &str| -> bool {
        let raw = get(field);
        parse_flag(&raw).unwrap_or_else(|| {
            errors.push(format!("{field} must be true or false, not \"{raw}\""));
            false
        })
    };
    let exclude_from_segment = flag("exclude_from_segment");
    let privacy_blocked = flag("privacy_blocked");
    if correspondence == Some("email") && email.is_empty() {
        errors.push("correspondence by e-mail needs an e-mail address".into());
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let search_name = match get("search_name") {
        s if s.is_empty() => name.to_uppercase().chars().take(100).collect(),
        s => s,
    };
    Ok(ImportRow {
        line,
        no,
        kind,
        name,
        company_no,
        search_name,
        job_title: get("job_title"),
        address: get("address"),
        address_2: get("address_2"),
        city: get("city"),
        post_code: get("post_code"),
        country_code,
        phone: get("phone"),
        mobile: get("mobile"),
        email,
        website: get("website"),
        salesperson_code,
        territory_code,
        language_code,
        correspondence_type: correspondence.unwrap_or("").to_string(),
        organizational_level_code,
        exclude_from_segment,
        privacy_blocked,
        industry_groups,
        business_relations,
        mailing_groups,
        job_responsibilities,
    })
}

#[derive(QueryableByName)]
struct Existing {
    #[diesel(sql_type = Text)]
    no: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Checks the rows against each other and the database: numbers unique, each person's
/// company a company (in the file or already there). Returns existing companies by No.
pub fn check_references(
    conn: &mut PgConnection,
    rows: &[ImportRow],
    problems: &mut Problems,
) -> QueryResult<HashMap<String, i64>> {
    let mut in_file: HashMap<&str, (&str, u64)> = HashMap::new();
    for row in rows.iter().filter(|r| !r.no.is_empty()) {
        if let Some((_, first)) = in_file.get(row.no.as_str()) {
            problems.add(
                row.line,
                format!("no {} is already used on line {first}", row.no),
            );
        } else {
            in_file.insert(&row.no, (&row.kind, row.line));
        }
    }
    let mut wanted: Vec<String> = rows
        .iter()
        .filter(|r| !r.no.is_empty())
        .map(|r| r.no.clone())
        .collect();
    wanted.extend(
        rows.iter()
            .filter(|r| !r.company_no.is_empty())
            .map(|r| r.company_no.clone()),
    );
    wanted.sort();
    wanted.dedup();
    let existing: Vec<Existing> = diesel::sql_query(
        "SELECT no::text AS no, type AS kind, id FROM contacts WHERE no = ANY($1)",
    )
    .bind::<Array<Text>, _>(&wanted)
    .load(conn)?;
    let existing: HashMap<String, (String, i64)> = existing
        .into_iter()
        .map(|e| (e.no, (e.kind, e.id)))
        .collect();
    for row in rows {
        if !row.no.is_empty() && existing.contains_key(&row.no) {
            problems.add(row.line, format!("contact {} already exists", row.no));
        }
        if row.kind == "person" && !row.company_no.is_empty() {
            let kind = in_file
                .get(row.company_no.as_str())
                .map(|(k, _)| *k)
                .or_else(|| existing.get(&row.company_no).map(|(k, _)| k.as_str()));
            match kind {
                Some("company") => {}
                Some(_) => problems.add(row.line, format!("{} is not a company", row.company_no)),
                None => problems.add(
                    row.line,
                    format!(
                        "company {} is neither in the file nor in Rapport",
                        row.company_no
                    ),
                ),
            }
        }
    }
    Ok(existing
        .into_iter()
        .filter(|(_, (kind, _))| kind == "company")
        .map(|(no, (_, id))| (no, id))
        .collect())
}

/// Reads one classification's codes of a row.
type CodesOf = fn(&ImportRow) -> &Vec<String>;

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Writes valid rows: ids and numbers reserved in two statements, all contacts in one
/// `INSERT … SELECT FROM unnest(…)`, each classification in one more. Call in a transaction.
pub fn write(
    conn: &mut PgConnection,
    rows: &[ImportRow],
    existing_companies: &HashMap<String, i64>,
) -> QueryResult<usize> {
    let n = rows.len() as i64;
    let ids: Vec<i64> =
        diesel::sql_query("SELECT nextval('contacts_id_seq') AS id FROM generate_series(1, $1)")
            .bind::<BigInt, _>(n)
            .load::<Id>(conn)?
            .into_iter()
            .map(|r| r.id)
            .collect();

    // Numbers: first move the series past numbers the file brings, then take the missing ones.
    let series: (String, i32) = {
        use crate::db::schema::number_series as ns;
        ns::table
            .filter(ns::code.eq(number_series::CONTACTS))
            .select((ns::prefix, ns::width))
            .first(conn)?
    };
    let highest = rows
        .iter()
        .filter_map(|r| r.no.strip_prefix(series.0.as_str()))
        .filter_map(|digits| digits.parse::<i64>().ok())
        .max();
    if let Some(highest) = highest {
        diesel::sql_query(
            "UPDATE number_series SET next_number = GREATEST(next_number, $2 + 1) WHERE code = $1",
        )
        .bind::<Text, _>(number_series::CONTACTS)
        .bind::<BigInt, _>(highest)
        .execute(conn)?;
    }
    let missing = rows.iter().filter(|r| r.no.is_empty()).count() as i64;
    let mut next = if missing > 0 {
        let (prefix, width, first) = number_series::take(conn, number_series::CONTACTS, missing)?;
        Some((prefix, width, first))
    } else {
        None
    };
    let mut nos = Vec::with_capacity(rows.len());
    for row in rows {
        if row.no.is_empty() {
            let (prefix, width, n) = next.as_mut().expect("numbers were taken");
            nos.push(number_series::format(prefix, *width, *n));
            *n += 1;
        } else {
            nos.push(row.no.clone());
        }
    }
    let mut company_ids: HashMap<&str, i64> = existing_companies
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    for ((row, id), no) in rows.iter().zip(&ids).zip(&nos) {
        if row.kind == "company" {
            company_ids.insert(no.as_str(), *id);
            if !row.no.is_empty() {
                company_ids.insert(row.no.as_str(), *id);
            }
        }
    }
    let company_of: Vec<Option<i64>> = rows
        .iter()
        .map(|r| {
            (r.kind == "person" && !r.company_no.is_empty())
                .then(|| company_ids.get(r.company_no.as_str()).copied())
                .flatten()
        })
        .collect();

    macro_rules! column {
        ($field:ident) => {
            rows.iter().map(|r| r.$field.clone()).collect::<Vec<_>>()
        };
    }
    diesel::sql_query(
        "INSERT INTO contacts (id, no, type, name, company_id, search_name, job_title, address, \
           address_2, city, post_code, country_code, phone, mobile, email, website, \
           salesperson_code, territory_code, language_code, correspondence_type, \
           organizational_level_code, exclude_from_segment, privacy_blocked) \
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], \
           $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], \
           $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], \
           $19::text[], $20::text[], $21::text[], $22::bool[], $23::bool[])",
    )
    .bind::<Array<BigInt>, _>(&ids)
    .bind::<Array<Text>, _>(&nos)
    .bind::<Array<Text>, _>(column!(kind))
    .bind::<Array<Text>, _>(column!(name))
    .bind::<Array<Nullable<BigInt>>, _>(&company_of)
    .bind::<Array<Text>, _>(column!(search_name))
    .bind::<Array<Text>, _>(column!(job_title))
    .bind::<Array<Text>, _>(column!(address))
    .bind::<Array<Text>, _>(column!(address_2))
    .bind::<Array<Text>, _>(column!(city))
    .bind::<Array<Text>, _>(column!(post_code))
    .bind::<Array<Nullable<Text>>, _>(column!(country_code))
    .bind::<Array<Text>, _>(column!(phone))
    .bind::<Array<Text>, _>(column!(mobile))
    .bind::<Array<Text>, _>(column!(email))
    .bind::<Array<Text>, _>(column!(website))
    .bind::<Array<Nullable<Text>>, _>(column!(salesperson_code))
    .bind::<Array<Nullable<Text>>, _>(column!(territory_code))
    .bind::<Array<Nullable<Text>>, _>(column!(language_code))
    .bind::<Array<Text>, _>(column!(correspondence_type))
    .bind::<Array<Nullable<Text>>, _>(column!(organizational_level_code))
    .bind::<Array<Bool>, _>(column!(exclude_from_segment))
    .bind::<Array<Bool>, _>(column!(privacy_blocked))
    .execute(conn)?;

    let assignments: [(&str, CodesOf); 4] = [
        ("contact_industry_groups", |r| &r.industry_groups),
        ("contact_business_relations", |r| &r.business_relations),
        ("contact_mailing_groups", |r| &r.mailing_groups),
        ("contact_job_responsibilities", |r| &r.job_responsibilities),
    ];
    for (table, codes_of) in assignments {
        let mut contact_ids = Vec::new();
        let mut codes = Vec::new();
        for (row, id) in rows.iter().zip(&ids) {
            for code in codes_of(row) {
                contact_ids.push(*id);
                codes.push(code.clone());
            }
        }
        if contact_ids.is_empty() {
            continue;
        }
        diesel::sql_query(format!(
            "INSERT INTO {table} (contact_id, code) SELECT * FROM unnest($1::bigint[], $2::text[])"
        ))
        .bind::<Array<BigInt>, _>(&contact_ids)
        .bind::<Array<Text>, _>(&codes)
        .execute(conn)?;
    }
    Ok(rows.len())
}

/// The columns as a header line, for the import page's example.
pub fn header_line() -> String {
    COLUMNS.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes() -> Codes {
        let mut c = Codes::default();
        c.tables
            .insert("countries", ["DK".to_string(), "SE".to_string()].into());
        c.tables
            .insert("industry_groups", ["RETAIL".to_string()].into());
        c.tables
            .insert("mailing_groups", ["XMAS".to_string()].into());
        c
    }

    #[test]
    fn a_good_file_parses() {
        let data = "no,type,name,company_no,country_code,industry_groups,mailing_groups,exclude_from_segment\n\
                    C1,company,Acme,,dk,retail|RETAIL,,false\n\
                    ,person,Ada,C1,DK,,XMAS,yes\n";
        let (rows, problems) = parse(data.as_bytes(), &codes(), |_| {});
        assert!(problems.is_empty(), "{:?}", problems.lines);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].industry_groups, vec!["RETAIL"]);
        assert_eq!(rows[0].search_name, "ACME");
        assert_eq!(rows[1].line, 3);
        assert!(rows[1].exclude_from_segment);
        assert_eq!(rows[1].country_code.as_deref(), Some("DK"));
    }

    #[test]
    fn problems_are_reported_by_line() {
        let data = "type,name,email,country_code,industry_groups\n\
                    company,Good,,DK,\n\
                    robot,,not-mail,ZZ,\n\
                    person,Bo,,,RETAIL\n";
        let (_, problems) = parse(data.as_bytes(), &codes(), |_| {});
        assert_eq!(problems.count, 5, "{:?}", problems.lines);
        assert!(problems.lines[0].starts_with("line 3: type must be"));
        assert!(problems
            .lines
            .iter()
            .any(|l| l == "line 3: unknown country/region ZZ"));
        assert!(problems
            .lines
            .iter()
            .any(|l| l.starts_with("line 4: industry_groups are not assigned")));
    }

    #[test]
    fn headers_are_checked() {
        let (_, problems) = parse(b"name,colour\nAcme,red\n", &codes(), |_| {});
        assert!(problems
            .lines
            .iter()
            .any(|l| l.contains("unknown column(s): colour")));
        assert!(problems
            .lines
            .iter()
            .any(|l| l.contains("\"type\" is missing")));
    }

    #[test]
    fn neutralised_cells_come_back() {
        let data = "type,name,phone\ncompany,'=Acme,'+45 1234\n";
        let (rows, problems) = parse(data.as_bytes(), &codes(), |_| {});
        assert!(problems.is_empty());
        assert_eq!(rows[0].name, "=Acme");
        assert_eq!(rows[0].phone, "+45 1234");
    }
}
