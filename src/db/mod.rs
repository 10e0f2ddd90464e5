//! The database: connection pool, embedded migrations, and the private cluster.

pub mod cluster;
mod data_dir;
pub mod schema;
pub mod text;

pub use text::fold;

pub mod binds;
pub mod code_locks;
pub mod columns;
pub mod names;
pub mod once;
pub mod prepared;
pub mod seen;
pub mod slow;
pub mod who;

pub use prepared::{planned, prepared, prepared_if, unseen};

use diesel::connection::{Connection, SimpleConnection};
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, Pool, PooledConnection};
use diesel::{QueryResult, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::config::Config;
use cluster::{ClusterOptions, LocalCluster};

pub type DbPool = Pool<ConnectionManager<PgConnection>>;
pub type DbConn = PooledConnection<ConnectionManager<PgConnection>>;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Key of the advisory lock that serialises migrations between instances starting together.
const MIGRATION_LOCK: i64 = 0x0052_4150_504f_5254; // "RAPPORT"

/// The database Rapport works on, and the private cluster it started, if any.
pub struct Database {
    pub url: String,
    pub cluster: Option<LocalCluster>,
    /// How names are sorted in it (`RAPPORT_LOCALE`; see [`names`]).
    pub locale: crate::config::Locale,
}

impl Database {
    /// Uses `DATABASE_URL` when set; otherwise starts (or reuses) the private cluster.
    pub fn open(config: &Config) -> Result<Self, cluster::ClusterError> {
        match &config.database_url {
            Some(url) => Ok(Database {
                url: url.expose().to_string(),
                cluster: None,
                locale: config.locale,
            }),
            None => {
                let cluster = LocalCluster::ensure_started(
                    &config.data_dir,
                    "rapport",
                    ClusterOptions { durable: true },
                )?;
                Ok(Database {
                    url: cluster.database_url("rapport"),
                    cluster: Some(cluster),
                    locale: config.locale,
                })
            }
        }
    }

    /// Stops the private cluster if this process started it.
    pub fn shutdown(&mut self) {
        if let Some(cluster) = self.cluster.as_mut() {
            cluster.stop();
        }
    }
}

/// Settings of every pooled connection. JIT compilation is off: it is planned for statements
/// that touch many rows, such as a segment step, and cost them 12–200 ms of compiling while
/// making none of them faster (measured at a million contacts, BENCHMARKS.md). Memoize is off:
/// it sizes its cache by the rows the planner expects before a page's `LIMIT` cuts them (a
/// segment's 200,000 lines for a page of 100), and clearing that cache cost a segment page
/// 0.3 ms of its 1 ms; where Rapport joins many rows, each row looks another contact up, so
/// the cache never hits (Log Segment: 196,228 misses, no hit). Statements over `slow_sql` are
/// logged ([`slow::SlowStatements`]).
#[derive(Debug)]
struct SessionSettings {
    slow_sql: std::time::Duration,
}

impl diesel::r2d2::CustomizeConnection<PgConnection, diesel::r2d2::Error> for SessionSettings {
    fn on_acquire(&self, conn: &mut PgConnection) -> Result<(), diesel::r2d2::Error> {
        conn.set_instrumentation(slow::SlowStatements::new(self.slow_sql));
        conn.batch_execute(&format!(
            "SET jit = off; SET enable_memoize = off; {MESSAGES_IN_C}"
        ))
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// PostgreSQL's messages in English (`lc_messages` C), where the role may set it: Rapport
/// tells a lock timeout, a deadlock or a count cut short from other errors by their message
/// (diesel does not give every SQLSTATE). Without the right (a server whose messages are in
/// another language, the role no superuser), nothing changes and the start says what to do
/// ([`messages_language`]).
const MESSAGES_IN_C: &str = "DO $$ BEGIN \
    IF current_setting('lc_messages') <> 'C' THEN PERFORM set_config('lc_messages', 'C', false); \
    END IF; EXCEPTION WHEN insufficient_privilege THEN NULL; END $$";

/// The language of PostgreSQL's messages on `conn` when it is not English (`None` when it is):
/// then a lock timeout or a deadlock is a 500 rather than a 503, and a contact count cut short
/// an error. Said at the start, with the fix.
pub fn messages_language(conn: &mut PgConnection) -> QueryResult<Option<String>> {
    #[derive(diesel::QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        lc_messages: String,
    }
    let setting = diesel::sql_query("SELECT current_setting('lc_messages') AS lc_messages")
        .get_result::<Setting>(conn)?
        .lc_messages;
    let english = ["C", "POSIX"].contains(&setting.as_str())
        || setting.starts_with("C.")
        || setting.starts_with("en");
    Ok((!english).then_some(setting))
}

/// An instance's two pools: one for pages and short actions, one for long work (a segment
/// step, Log Segment, a download, an import), so that long work never holds what pages need.
#[derive(Clone)]
pub struct Pools {
    pub pages: DbPool,
    pub long: DbPool,
}

/// How long a page waits for a connection before it is answered 503.
const PAGE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// How long long work waits for its turn: others' steps and logs run to their end first.
const LONG_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

/// The pools of the configuration: their sizes, the slow-statement threshold.
pub fn pools_for(url: &str, config: &Config) -> anyhow::Result<Pools> {
    Ok(Pools {
        pages: build_pool(url, config.db_pool_size, config.slow_sql, PAGE_WAIT)?,
        long: build_pool(url, config.db_long_pool_size, config.slow_sql, LONG_WAIT)?,
    })
}

/// A pool of `size` connections with the default slow-statement threshold.
pub fn pool(url: &str, size: u32) -> anyhow::Result<DbPool> {
    build_pool(url, size, Config::defaults().slow_sql, PAGE_WAIT)
}

fn build_pool(
    url: &str,
    size: u32,
    slow_sql: std::time::Duration,
    wait: std::time::Duration,
) -> anyhow::Result<DbPool> {
    let manager = ConnectionManager::<PgConnection>::new(url);
    Ok(Pool::builder()
        .max_size(size)
        .connection_customizer(Box::new(SessionSettings { slow_sql }))
        .min_idle(Some(1))
        .connection_timeout(wait)
        .test_on_check_out(false)
        .build(manager)?)
}

thread_local! {
    /// Tables whose statistics the current request's work changed a lot (see `analyze_after`).
    static STALE: std::cell::RefCell<Vec<&'static str>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Notes that the work on this thread is changing many rows of `table`: once it has committed,
/// the table is analysed in the background. Until autovacuum gets to it (up to a minute), the
/// planner would plan the next statements on the table with the statistics from before the
/// change: a segment of 200,000 fresh lines looks empty to it, and a preview right after a
/// step takes twice as long.
pub fn analyze_after(table: &'static str) {
    STALE.with(|t| {
        let mut t = t.borrow_mut();
        if !t.contains(&table) {
            t.push(table);
        }
    });
}

/// After the work on this thread: analyses what it noted, in the background, if it committed
/// (`committed`); forgets it either way.
pub fn after_work(pool: &DbPool, committed: bool) {
    let tables = STALE.with(|t| std::mem::take(&mut *t.borrow_mut()));
    if !committed || tables.is_empty() {
        return;
    }
    let pool = pool.clone();
    std::thread::spawn(move || {
        let Ok(mut conn) = pool.get() else { return };
        for table in tables {
            if let Err(e) = conn.batch_execute(&format!("ANALYZE {table}")) {
                tracing::warn!(table, error = %e, "background ANALYZE failed");
            }
        }
    });
}

/// The oldest PostgreSQL Rapport runs on (`server_version_num`): its migrations and the
/// private cluster's settings use what 15 brought.
pub const OLDEST_POSTGRESQL: i32 = 150000;

/// Refuses a database not encoded in UTF-8, or on a server older than
/// [`OLDEST_POSTGRESQL`], before any migration touches it (one made from `template1` on a
/// server set up with `LANG=C` is SQL_ASCII, and a migration would stop half way; so would one
/// on PostgreSQL 13, at a function written as 14 allows), saying what to do.
fn check_encoding(conn: &mut PgConnection) -> anyhow::Result<()> {
    #[derive(diesel::QueryableByName)]
    struct Encoding {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        encoding: String,
        #[diesel(sql_type = diesel::sql_types::Integer)]
        version: i32,
        #[diesel(sql_type = diesel::sql_types::Text)]
        version_text: String,
    }
    let db = diesel::sql_query(
        "SELECT current_database()::text AS name, current_setting('server_encoding') AS encoding, \
           current_setting('server_version_num')::int AS version, \
           current_setting('server_version') AS version_text",
    )
    .get_result::<Encoding>(conn)?;
    if db.version < OLDEST_POSTGRESQL {
        anyhow::bail!(
            "the database server is PostgreSQL {}, and Rapport needs {} or later: upgrade it \
             (pg_upgrade), or point DATABASE_URL at a newer one",
            db.version_text,
            OLDEST_POSTGRESQL / 10000
        );
    }
    if db.encoding != "UTF8" {
        anyhow::bail!(
            "database {} is encoded in {}, and Rapport needs UTF8: make it again with \
             CREATE DATABASE {} OWNER <role> ENCODING 'UTF8' TEMPLATE template0;",
            db.name,
            db.encoding,
            db.name
        );
    }
    Ok(())
}

/// How [`migrate`] treats the order names sort in.
#[derive(Clone, Copy, Debug)]
pub enum Sorting {
    /// As this locale says, sorting them anew when they are sorted otherwise (`serve`).
    As(crate::config::Locale),
    /// As this locale says only when they were never sorted (a new database): a command run
    /// beside the service (`user`, `demo-data`, `migrate`), with an environment of its own,
    /// leaves the order the service keeps (a new order rewrites and locks the contacts for
    /// about 40 s a million).
    IfNever(crate::config::Locale),
}

/// Runs pending migrations under an advisory lock, so several instances may start at once,
/// then sorts names as `sorting` says (see [`names`]).
pub fn migrate(conn: &mut PgConnection, sorting: Sorting) -> anyhow::Result<usize> {
    check_encoding(conn)?;
    conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
    let result = conn
        .run_pending_migrations(MIGRATIONS)
        .map(|applied| applied.len())
        .map_err(|e| anyhow::anyhow!("migration failed: {e}"))
        .and_then(|applied| {
            // A migration may have rewritten the contacts (a generated column made again):
            // VACUUM marks their pages all-visible again, or the name index (which carries the
            // search text) is read with a visit to the table for every contact it passes, and
            // ANALYZE gives a new column its statistics. Quick on a table it does not find
            // changed.
            if applied > 0 {
                conn.batch_execute("VACUUM (ANALYZE) contacts")?;
            }
            let locale = match sorting {
                Sorting::As(locale) => Some(locale),
                Sorting::IfNever(locale) => names::never_sorted(conn)?.then_some(locale),
            };
            match locale {
                Some(locale) => names::sort_as(conn, locale)
                    .map(|_| applied)
                    .map_err(|e| e.context("sorting names as RAPPORT_LOCALE says")),
                None => Ok(applied),
            }
        });
    conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))?;
    result
}
