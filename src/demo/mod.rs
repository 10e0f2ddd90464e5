//! Demo data: realistic, deterministic contacts for trying Rapport and for benchmarks.
//!
//! `rapport demo-data --contacts N [--seed S]` adds N contacts: companies, each followed by its
//! 1–20 persons, across eight countries, with salespeople, territories, classifications and
//! profile answers. The same seed and N give the same data (names, addresses, assignments);
//! the contacts get the next free ids and the next numbers of the CONTACT series, so a database
//! that already has contacts is appended to, and contacts created later continue the series.
//!
//! Everything is loaded in one transaction with `COPY … FROM STDIN`, the rows made in Rust
//! while PostgreSQL stores the previous ones. When the load is large next to what is already
//! there, the secondary indexes and foreign keys of the loaded tables are dropped first and
//! recreated at the end (from their own definitions in the catalog), which is several times
//! faster than maintaining them row by row; small loads into a big table keep them.
//!
//! Tests: demo.

pub mod copy;
pub mod data;
pub mod generate;
pub mod history;
pub mod setup_codes;

use std::cell::RefCell;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::pg::CopyFormat;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Integer, Text};

use crate::admin::audit::{self, Actor};
use crate::db::schema::{
    contact_business_relations, contact_industry_groups, contact_job_responsibilities,
    contact_mailing_groups, contact_profile_answers, contacts,
};
use crate::setup::number_series;
use copy::CopyBuffer;
use generate::{Contact, Generator, Kind};
use setup_codes::QuestionIds;

/// The seed used when none is given.
pub const DEFAULT_SEED: u64 = 1;

/// Every table the load writes to, the contacts first.
pub const LOADED_TABLES: [&str; 6] = [
    "contacts",
    "contact_industry_groups",
    "contact_business_relations",
    "contact_mailing_groups",
    "contact_job_responsibilities",
    "contact_profile_answers",
];

/// Below this many new contacts, or when the table already holds more than twice as many, the
/// indexes are kept and maintained row by row.
const BULK_MIN_CONTACTS: u64 = 1_000;

/// A progress line is printed every this many contacts.
const PROGRESS_EVERY: u64 = 100_000;

/// Rows are handed to the connection in chunks of about this many bytes.
const CHUNK_BYTES: usize = 1 << 20;

/// COPYs ready-made rows (a [`CopyBuffer`]) into some columns of a table.
macro_rules! copy_rows {
    ($conn:expr, $table:ident, ($($column:ident),+), $rows:expr) => {{
        let rows: &CopyBuffer = &$rows;
        if !rows.is_empty() {
            diesel::copy_from($table::table)
                .from_raw_data(($($table::$column),+), |out| {
                    out.write_all(&rows.bytes)
                        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
                })
                .with_format(CopyFormat::Text)
                .execute($conn)?;
        }
    }};
}

#[derive(Clone, Debug)]
pub struct Options {
    pub contacts: u64,
    pub seed: u64,
}

/// What a load added, and how long it took.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub contacts: u64,
    pub companies: u64,
    pub persons: u64,
    pub first_no: String,
    pub last_no: String,
    pub industry_groups: u64,
    pub business_relations: u64,
    pub mailing_groups: u64,
    pub job_responsibilities: u64,
    pub profile_answers: u64,
    pub excluded: u64,
    pub privacy_blocked: u64,
    /// Campaigns, logged segments and interaction log entries made for the new contacts.
    pub history: history::History,
    /// Whether indexes and foreign keys were dropped and rebuilt.
    pub rebuilt_indexes: bool,
    pub elapsed: Duration,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.contacts == 0 {
            return write!(f, "No contacts added.");
        }
        writeln!(
            f,
            "Added {} contacts ({} companies, {} persons), {} to {}, in {:.1} s.",
            self.contacts,
            self.companies,
            self.persons,
            self.first_no,
            self.last_no,
            self.elapsed.as_secs_f64()
        )?;
        writeln!(
            f,
            "  {} industry group, {} business relation, {} mailing group, {} job responsibility \
             assignments; {} profile answers.",
            self.industry_groups,
            self.business_relations,
            self.mailing_groups,
            self.job_responsibilities,
            self.profile_answers
        )?;
        writeln!(
            f,
            "  {} excluded from segments, {} privacy blocked.",
            self.excluded, self.privacy_blocked
        )?;
        let h = &self.history;
        write!(
            f,
            "  History: {} campaigns, {} logged segments, {} interaction log entries ({} from \
             segments, {} single interactions).",
            h.campaigns,
            h.segments,
            h.segment_entries + h.single_entries,
            h.segment_entries,
            h.single_entries
        )
    }
}

/// Adds `options.contacts` demo contacts in one transaction, then refreshes the planner's
/// statistics. `progress` receives a line now and then.
pub fn load(
    conn: &mut PgConnection,
    options: &Options,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<Summary> {
    let started = Instant::now();
    if options.contacts == 0 {
        return Ok(Summary::default());
    }
    let mut summary = conn.transaction::<_, anyhow::Error, _>(|conn| {
        load_in_transaction(conn, options, progress, started)
    })?;
    progress(&format!(
        "{:>6.1} s  committed; updating statistics (VACUUM ANALYZE)",
        started.elapsed().as_secs_f64()
    ));
    conn.batch_execute(&format!(
        "VACUUM (ANALYZE) {}, {}",
        LOADED_TABLES.join(", "),
        history::TABLES.join(", ")
    ))?;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn load_in_transaction(
    conn: &mut PgConnection,
    options: &Options,
    progress: &mut dyn FnMut(&str),
    started: Instant,
) -> anyhow::Result<Summary> {
    let n = options.contacts;
    let questions = setup_codes::ensure(conn)?;

    // No one else adds contacts while ids and numbers are handed out and the rows go in.
    conn.batch_execute("LOCK TABLE contacts IN SHARE ROW EXCLUSIVE MODE")?;
    let existing = diesel::sql_query("SELECT count(*) AS n FROM contacts")
        .get_result::<Count>(conn)?
        .n as u64;
    let bulk = n >= BULK_MIN_CONTACTS && existing <= 2 * n;
    if bulk {
        conn.batch_execute(&format!(
            "LOCK TABLE {} IN ACCESS EXCLUSIVE MODE",
            LOADED_TABLES.join(", ")
        ))?;
    }

    let first_id = reserve_ids(conn, n)?;
    let (prefix, width, first_number) =
        number_series::take(conn, number_series::CONTACTS, n as i64)?;
    let last_number = first_number + n as i64 - 1;
    let number = |i: u64| number_series::format(&prefix, width, first_number + i as i64);
    check_numbers_free(conn, &prefix, width, first_number, last_number)?;

    let mut summary = Summary {
        contacts: n,
        first_no: number(0),
        last_no: number(n - 1),
        rebuilt_indexes: bulk,
        ..Summary::default()
    };
    progress(&format!(
        "Adding {n} contacts ({} to {}, seed {}) to {existing} existing; {}",
        summary.first_no,
        summary.last_no,
        options.seed,
        if bulk {
            "indexes and foreign keys are rebuilt at the end"
        } else {
            "indexes are kept"
        }
    ));

    let saved = if bulk {
        Some(SavedDefinitions::drop_all(conn, &LOADED_TABLES)?)
    } else {
        None
    };

    // The contacts, streamed as they are made; the classifications are collected meanwhile.
    let state = RefCell::new(Loader {
        generator: Generator::new(options.seed, n),
        questions,
        next: 0,
        first_id,
        number: &number,
        summary: &mut summary,
        classifications: Classifications::default(),
        progress: &mut *progress,
        started,
    });
    diesel::copy_from(contacts::table)
        .from_raw_data(
            (
                contacts::id,
                contacts::no,
                contacts::type_,
                contacts::name,
                contacts::search_name,
                contacts::company_id,
                contacts::job_title,
                contacts::address,
                contacts::address_2,
                contacts::city,
                contacts::post_code,
                contacts::country_code,
                contacts::phone,
                contacts::mobile,
                contacts::email,
                contacts::website,
                contacts::salesperson_code,
                contacts::territory_code,
                contacts::language_code,
                contacts::correspondence_type,
                contacts::organizational_level_code,
                contacts::exclude_from_segment,
                contacts::privacy_blocked,
            ),
            |out| state.borrow_mut().write_contacts(out),
        )
        .with_format(CopyFormat::Text)
        .execute(conn)?;
    let Loader {
        classifications, ..
    } = state.into_inner();

    progress(&format!(
        "{:>6.1} s  contacts stored; storing classifications",
        started.elapsed().as_secs_f64()
    ));
    copy_rows!(
        conn,
        contact_industry_groups,
        (contact_id, code),
        classifications.industry_groups
    );
    copy_rows!(
        conn,
        contact_business_relations,
        (contact_id, code),
        classifications.business_relations
    );
    copy_rows!(
        conn,
        contact_mailing_groups,
        (contact_id, code),
        classifications.mailing_groups
    );
    copy_rows!(
        conn,
        contact_job_responsibilities,
        (contact_id, code),
        classifications.job_responsibilities
    );
    copy_rows!(
        conn,
        contact_profile_answers,
        (contact_id, question_id, answer_id),
        classifications.profile_answers
    );
    drop(classifications);

    if let Some(saved) = saved {
        progress(&format!(
            "{:>6.1} s  classifications stored; rebuilding {} indexes and {} foreign keys",
            started.elapsed().as_secs_f64(),
            saved.indexes.len(),
            saved.foreign_keys.len()
        ));
        saved.restore(conn, &mut |what| {
            progress(&format!(
                "{:>6.1} s  {what}",
                started.elapsed().as_secs_f64()
            ))
        })?;
    }
    progress(&format!(
        "{:>6.1} s  contacts done; adding campaigns, logged segments and interactions",
        started.elapsed().as_secs_f64()
    ));
    let today = diesel::select(diesel::dsl::sql::<diesel::sql_types::Date>("CURRENT_DATE"))
        .get_result::<chrono::NaiveDate>(conn)?;
    // A large load writes more than one segment line and several entries per contact: their
    // indexes are rebuilt at the end too (the history reads the lines of all its segments at
    // once, in passes that need no index).
    let saved = if bulk {
        conn.batch_execute(&format!(
            "LOCK TABLE {} IN ACCESS EXCLUSIVE MODE",
            history::BULK_TABLES.join(", ")
        ))?;
        Some(SavedDefinitions::drop_all(conn, &history::BULK_TABLES)?)
    } else {
        None
    };
    summary.history = history::add(conn, options.seed, first_id, first_id + n as i64 - 1, today)?;
    if let Some(saved) = saved {
        saved.restore(conn, &mut |what| {
            progress(&format!(
                "{:>6.1} s  {what}",
                started.elapsed().as_secs_f64()
            ))
        })?;
    }
    progress(&format!(
        "{:>6.1} s  history added",
        started.elapsed().as_secs_f64()
    ));
    audit::record(
        conn,
        Actor::Cli,
        "demo data added",
        &format!("{} to {}", summary.first_no, summary.last_no),
        &format!(
            "{n} contacts ({} companies, {} persons), seed {}",
            summary.companies, summary.persons, options.seed
        ),
        "",
    )?;
    Ok(summary)
}

/// Takes `n` consecutive ids from the contacts' sequence (past any id already used) and
/// returns the first. The caller holds a lock that keeps other inserts out meanwhile.
fn reserve_ids(conn: &mut PgConnection, n: u64) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct First {
        #[diesel(sql_type = BigInt)]
        first: i64,
    }
    let first = diesel::sql_query(
        "SELECT GREATEST(nextval(pg_get_serial_sequence('contacts', 'id')), \
                         (SELECT COALESCE(max(id), 0) + 1 FROM contacts)) AS first",
    )
    .get_result::<First>(conn)?
    .first;
    diesel::sql_query("SELECT setval(pg_get_serial_sequence('contacts', 'id'), $1)")
        .bind::<BigInt, _>(first + n as i64 - 1)
        .execute(conn)?;
    Ok(first)
}

/// Fails with a clear message when a contact already has one of the numbers taken (say, an
/// import that brought its own numbers).
fn check_numbers_free(
    conn: &mut PgConnection,
    prefix: &str,
    width: i32,
    first: i64,
    last: i64,
) -> anyhow::Result<()> {
    #[derive(QueryableByName)]
    struct Taken {
        #[diesel(sql_type = Text)]
        no: String,
    }
    let taken: Option<Taken> = diesel::sql_query(
        "SELECT no FROM (SELECT no, substr(no, length($1) + 1) AS digits FROM contacts \
                         WHERE starts_with(no, $1)) c \
         WHERE digits ~ '^[0-9]{1,18}$' AND digits::bigint BETWEEN $2 AND $3 \
           AND length(digits) = GREATEST($4, length((digits::bigint)::text)) \
         LIMIT 1",
    )
    .bind::<Text, _>(prefix)
    .bind::<BigInt, _>(first)
    .bind::<BigInt, _>(last)
    .bind::<Integer, _>(width)
    .get_result(conn)
    .optional()?;
    if let Some(t) = taken {
        anyhow::bail!(
            "contact {} already has a number of the range {} to {}: set the next number of \
             the CONTACT number series past the numbers in use",
            t.no,
            number_series::format(prefix, width, first),
            number_series::format(prefix, width, last)
        );
    }
    Ok(())
}

/// The classification rows, in COPY text format, collected while the contacts are made.
#[derive(Default)]
struct Classifications {
    industry_groups: CopyBuffer,
    business_relations: CopyBuffer,
    mailing_groups: CopyBuffer,
    job_responsibilities: CopyBuffer,
    profile_answers: CopyBuffer,
}

struct Loader<'a> {
    generator: Generator,
    questions: Vec<QuestionIds>,
    /// How many contacts are made so far.
    next: u64,
    first_id: i64,
    number: &'a dyn Fn(u64) -> String,
    summary: &'a mut Summary,
    classifications: Classifications,
    progress: &'a mut dyn FnMut(&str),
    started: Instant,
}

impl Loader<'_> {
    fn write_contacts(&mut self, out: &mut dyn std::io::Write) -> QueryResult<()> {
        let io = |e: std::io::Error| diesel::result::Error::SerializationError(Box::new(e));
        let mut rows = CopyBuffer::with_capacity(CHUNK_BYTES + 64 * 1024);
        while let Some((company, persons)) = self.generator.next_company() {
            let company_id = self.first_id + self.next as i64;
            self.row(&mut rows, &company, None);
            for person in &persons {
                self.row(&mut rows, person, Some(company_id));
            }
            if rows.len() >= CHUNK_BYTES {
                out.write_all(&rows.bytes).map_err(io)?;
                rows.clear();
            }
        }
        out.write_all(&rows.bytes).map_err(io)?;
        Ok(())
    }

    /// Writes one contact and collects its classifications.
    fn row(&mut self, rows: &mut CopyBuffer, c: &Contact, company_id: Option<i64>) {
        let id = self.first_id + self.next as i64;
        let no = (self.number)(self.next);
        self.next += 1;
        let s = &mut *self.summary;
        match c.kind {
            Kind::Company => s.companies += 1,
            Kind::Person => s.persons += 1,
        }
        s.excluded += u64::from(c.exclude_from_segment);
        s.privacy_blocked += u64::from(c.privacy_blocked);
        let search_name: String = c.name.to_uppercase().chars().take(100).collect();
        rows.number(id)
            .text(&no)
            .text(c.kind.as_str())
            .text(&c.name)
            .text(&search_name)
            .opt_number(company_id)
            .text(c.job_title)
            .text(&c.address)
            .text(&c.address_2)
            .text(c.city)
            .text(&c.post_code)
            .text(c.country)
            .text(&c.phone)
            .text(&c.mobile)
            .text(&c.email)
            .text(&c.website)
            .opt_text(c.salesperson)
            .opt_text(c.territory)
            .text(c.language)
            .text(c.correspondence)
            .opt_text(c.organizational_level)
            .boolean(c.exclude_from_segment)
            .boolean(c.privacy_blocked);
        rows.end_row();

        let k = &mut self.classifications;
        let pairs = [
            (
                &c.industry_groups,
                &mut k.industry_groups,
                &mut s.industry_groups,
                0,
            ),
            (
                &c.business_relations,
                &mut k.business_relations,
                &mut s.business_relations,
                1,
            ),
            (
                &c.mailing_groups,
                &mut k.mailing_groups,
                &mut s.mailing_groups,
                2,
            ),
            (
                &c.job_responsibilities,
                &mut k.job_responsibilities,
                &mut s.job_responsibilities,
                3,
            ),
        ];
        for (indexes, buffer, count, list) in pairs {
            for &i in indexes {
                let code = match list {
                    0 => data::INDUSTRY_GROUPS[i].0,
                    1 => data::BUSINESS_RELATIONS[i].0,
                    2 => data::MAILING_GROUPS[i].0,
                    _ => data::JOB_RESPONSIBILITIES[i].0,
                };
                buffer.number(id).text(code).end_row();
                *count += 1;
            }
        }
        for &(question, answer) in &c.profile_answers {
            let ids = &self.questions[question];
            k.profile_answers
                .number(id)
                .number(ids.question)
                .number(ids.answers[answer]);
            k.profile_answers.end_row();
            s.profile_answers += 1;
        }

        if self.next.is_multiple_of(PROGRESS_EVERY) {
            (self.progress)(&format!(
                "{:>6.1} s  {} contacts",
                self.started.elapsed().as_secs_f64(),
                self.next
            ));
        }
    }
}

/// The secondary indexes and foreign keys of the loaded tables, as the catalog defines them.
struct SavedDefinitions {
    /// (quoted name, CREATE INDEX statement)
    indexes: Vec<(String, String)>,
    /// (table, quoted constraint name, definition)
    foreign_keys: Vec<(String, String, String)>,
}

impl SavedDefinitions {
    /// Reads the definitions, then drops the indexes (not those of primary keys and unique
    /// constraints) and the foreign keys of `tables`.
    fn drop_all(conn: &mut PgConnection, tables: &[&str]) -> QueryResult<Self> {
        #[derive(QueryableByName)]
        struct Index {
            #[diesel(sql_type = Text)]
            name: String,
            #[diesel(sql_type = Text)]
            def: String,
        }
        #[derive(QueryableByName)]
        struct ForeignKey {
            #[diesel(sql_type = Text)]
            tbl: String,
            #[diesel(sql_type = Text)]
            name: String,
            #[diesel(sql_type = Text)]
            def: String,
        }
        let tables: Vec<String> = tables.iter().map(|t| t.to_string()).collect();
        let indexes: Vec<Index> = diesel::sql_query(
            "SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def \
             FROM pg_index i \
             WHERE i.indrelid = ANY ($1::regclass[]) AND NOT i.indisunique \
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c \
                               WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x')) \
             ORDER BY i.indrelid::regclass::text, i.indexrelid::regclass::text",
        )
        .bind::<Array<Text>, _>(&tables)
        .load(conn)?;
        let foreign_keys: Vec<ForeignKey> = diesel::sql_query(
            "SELECT conrelid::regclass::text AS tbl, quote_ident(conname) AS name, \
                    pg_get_constraintdef(oid) AS def \
             FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY ($1::regclass[]) \
             ORDER BY conrelid::regclass::text, conname",
        )
        .bind::<Array<Text>, _>(&tables)
        .load(conn)?;
        let saved = SavedDefinitions {
            indexes: indexes.into_iter().map(|i| (i.name, i.def)).collect(),
            foreign_keys: foreign_keys
                .into_iter()
                .map(|f| (f.tbl, f.name, f.def))
                .collect(),
        };
        let mut sql = String::new();
        for (table, name, _) in &saved.foreign_keys {
            sql.push_str(&format!("ALTER TABLE {table} DROP CONSTRAINT {name};\n"));
        }
        for (name, _) in &saved.indexes {
            sql.push_str(&format!("DROP INDEX {name};\n"));
        }
        conn.batch_execute(&sql)?;
        Ok(saved)
    }

    /// Recreates the indexes, then the foreign keys (each checked in one pass over its table).
    fn restore(self, conn: &mut PgConnection, done: &mut dyn FnMut(&str)) -> QueryResult<()> {
        conn.batch_execute("SET LOCAL maintenance_work_mem = '256MB'")?;
        for (name, def) in &self.indexes {
            conn.batch_execute(def)?;
            done(&format!("index {name} rebuilt"));
        }
        for (table, name, def) in &self.foreign_keys {
            conn.batch_execute(&format!("ALTER TABLE {table} ADD CONSTRAINT {name} {def}"))?;
        }
        done("foreign keys checked and restored");
        Ok(())
    }
}
