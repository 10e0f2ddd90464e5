//! The `rapport` command: serve (the default), migrate, user administration, demo data.

use std::io::{BufRead, IsTerminal, Write};
use std::net::TcpListener;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use diesel::prelude::*;

use rapport::admin::audit::{self, Actor};
use rapport::auth::{password, setup, users};
use rapport::config::Config;
use rapport::db::{self, Database};

/// Memory is allocated by mimalloc rather than the C library's allocator: a page's rows and
/// texts are many small allocations made on a database thread and freed on the thread that
/// sent the page, which the C library's allocator paid for by merging its freed chunks again
/// and again. Counted under callgrind at a million contacts, Rapport ran 9–16 % fewer
/// instructions a view (the contact list 970,010 → 812,029; a segment page of 100 lines
/// 2,437,851 → 2,121,648), for some 60 MiB more memory kept under load.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "rapport",
    version,
    about = "Contacts, segments and interactions for office staff"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the web server (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Add realistic, deterministic demo contacts (the same seed gives the same data).
    DemoData {
        /// How many contacts to add (companies and their persons together), up to ten million.
        #[arg(long, value_parser = clap::value_parser!(u64).range(0..=10_000_000))]
        contacts: u64,
        /// Seed of the random generator.
        #[arg(long, default_value_t = rapport::demo::DEFAULT_SEED)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from a prompt, or from standard input.
    Add {
        username: String,
        /// admin, staff or viewer.
        #[arg(long, default_value = "staff", value_parser = ["admin", "staff", "viewer"])]
        role: String,
        /// The name shown in the application (defaults to the user name).
        #[arg(long)]
        display_name: Option<String>,
        /// Salesperson code that new segments and interactions default to.
        #[arg(long)]
        salesperson: Option<String>,
    },
    /// Set a user's password (read from a prompt or standard input); ends their sessions.
    SetPassword { username: String },
    /// Disable a user and end their sessions.
    Disable { username: String },
    /// Enable a disabled user again.
    Enable { username: String },
    /// List users.
    List,
}

/// What is logged when `RUST_LOG` does not say.
const DEFAULT_LOG: &str = "info,actix_server=warn";

fn main() -> ExitCode {
    // RUST_LOG as written, or the default; one that cannot be read is said (it fell back to
    // the default without a word).
    let (filter, unread) = match std::env::var("RUST_LOG") {
        Ok(v) if !v.trim().is_empty() => match tracing_subscriber::EnvFilter::try_new(&v) {
            Ok(f) => (f, None),
            Err(e) => (DEFAULT_LOG.into(), Some(format!("{v:?}: {e}"))),
        },
        _ => (DEFAULT_LOG.into(), None),
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| QuietStderr)
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .init();
    if let Some(unread) = unread {
        tracing::warn!("RUST_LOG {unread}; logging as the default, {DEFAULT_LOG}");
    }
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("rapport: invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
    let environment = std::env::vars_os().filter_map(|(name, _)| name.into_string().ok());
    for unknown in rapport::config::unknown_settings(environment) {
        tracing::warn!("{unknown}");
    }
    let command = cli.command.unwrap_or(Command::Serve);
    // Serving needs the port: find out it is taken before starting anything else.
    if let (Command::Serve, Some(message)) = (&command, rapport::web::assets::missing()) {
        eprintln!("rapport: {message}");
        return ExitCode::from(2);
    }
    let listener = match command {
        Command::Serve => match listen(&config.bind) {
            Ok(listener) => Some(listener),
            Err(message) => {
                eprintln!("rapport: {message}");
                return ExitCode::from(2);
            }
        },
        _ => None,
    };
    // Errors are printed through `config.scrub`: a database error may quote DATABASE_URL.
    let mut database = match Database::open(&config) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("rapport: {}", config.scrub(&e.to_string()));
            return ExitCode::from(2);
        }
    };
    // `serve` stops on a signal by itself (actix-web's), then stops the cluster below.
    if !matches!(command, Command::Serve) {
        if let Some(cluster) = database.cluster.as_ref().filter(|c| c.started_here()) {
            stop_cluster_when_interrupted(cluster.stopper());
        }
    }
    let scrubber = config.clone();
    // A panic (a progress line printed to a terminal that is gone) ends the command as an
    // error does: the PostgreSQL it started is stopped below. It was left running.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match command {
        Command::Serve => match listener {
            Some(listener) => serve(&database, listener, config),
            None => Err(anyhow::anyhow!("no listener")),
        },
        Command::Migrate => migrate(&database, db::Sorting::IfNever(database.locale))
            .map(|n| println!("{n} migration(s) applied")),
        Command::User(cmd) => user_command(&database, cmd),
        Command::DemoData { contacts, seed } => demo_data(&database, contacts, seed),
    }))
    .unwrap_or_else(|_| Err(anyhow::anyhow!("stopped on an internal error (see above)")));
    if INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst) {
        // The interrupting thread stops the cluster and ends the process.
        loop {
            std::thread::park();
        }
    }
    database.shutdown();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "rapport: {}",
                scrubber.scrub(&format!("{e:#}"))
            );
            ExitCode::FAILURE
        }
    }
}

/// Set once an interrupted command stops its cluster: the command's own end then leaves the
/// stopping, and the ending, to the thread that does it.
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// A command that started the private cluster (`rapport user add`, `demo-data`) and is then
/// interrupted (Ctrl-C, a closed SSH session, `kill`) stops it, as when it ends: it was left
/// running, and the next start reused it without stopping it at its end. The signals are
/// blocked in every thread (threads started from here on inherit it) and taken by one thread,
/// which stops the cluster (what the command had begun is rolled back) and then ends the
/// process by the same signal, as the shell expects of an interrupted program (a script's
/// loop stops; the terminal's settings, a password prompt's hidden typing, are restored).
fn stop_cluster_when_interrupted(mut cluster: db::cluster::LocalCluster) {
    use nix::sys::signal::{SigSet, Signal};
    let mut signals = SigSet::empty();
    for signal in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        signals.add(signal);
    }
    if let Err(e) = signals.thread_block() {
        tracing::warn!("PostgreSQL will be left running if this command is interrupted: {e}");
        return;
    }
    std::thread::spawn(move || {
        if let Ok(signal) = signals.wait() {
            INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst);
            cluster.stop();
            // After the stop: the terminal may be gone (a closed SSH session), and a message
            // that cannot be written is no reason to leave PostgreSQL running.
            let _ = writeln!(
                std::io::stderr(),
                "rapport: interrupted ({signal}); PostgreSQL stopped"
            );
            // Its action is still the default (it was only blocked, never handled): unblocked
            // here and raised again, it ends the process.
            let mut this = SigSet::empty();
            this.add(signal);
            let _ = this.thread_unblock();
            let _ = nix::sys::signal::raise(signal);
            std::process::exit(128 + signal as i32);
        }
    });
    tracing::info!("PostgreSQL is stopped when this command ends or is interrupted");
}

/// A connection to the database, or an error that names where it was looked for (libpq's own
/// text alone never said which setting to check).
fn connect(database: &Database) -> anyhow::Result<PgConnection> {
    PgConnection::establish(&database.url).map_err(|e| {
        let whose = if database.cluster.is_some() {
            "the private PostgreSQL in RAPPORT_DATA_DIR"
        } else {
            "the database DATABASE_URL names"
        };
        anyhow::anyhow!("cannot connect to {whose}: {}", e.to_string().trim())
    })
}

/// Pending migrations, and names sorted as `sorting` says.
fn migrate(database: &Database, sorting: db::Sorting) -> anyhow::Result<usize> {
    let mut conn = connect(database)?;
    db::migrate(&mut conn, sorting)
}

/// Binds the web server's address; the error is one sentence saying what to do.
fn listen(bind: &str) -> Result<TcpListener, String> {
    TcpListener::bind(bind).map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => {
            let other = match bind.parse::<std::net::SocketAddr>() {
                Ok(addr) => format!("{}:{}", addr.ip(), addr.port().wrapping_add(1).max(1)),
                Err(_) => "127.0.0.1:8081".to_string(),
            };
            format!(
                "cannot listen on {bind}: the port is already in use (by another Rapport, or \
                 another program); stop that program, or set RAPPORT_BIND to another address, \
                 e.g. RAPPORT_BIND={other}."
            )
        }
        _ => format!(
            "cannot listen on {bind} ({e}): set RAPPORT_BIND to an address and port of this \
             machine, e.g. RAPPORT_BIND=127.0.0.1:8080."
        ),
    })
}

fn serve(database: &Database, listener: TcpListener, config: Config) -> anyhow::Result<()> {
    let applied = migrate(database, db::Sorting::As(database.locale))?;
    if applied > 0 {
        tracing::info!("{applied} migration(s) applied");
    }
    let pools = db::pools_for(&database.url, &config)?;
    let pool = pools.pages.clone();
    {
        let mut conn = pool.get()?;
        if let Some(language) = db::messages_language(&mut conn)? {
            tracing::warn!(
                "PostgreSQL writes its messages as lc_messages {language} says, and Rapport's \
                 role may not set them to C: a lock timeout will be an error page rather than \
                 \"busy, try again\". As a superuser, run ALTER DATABASE <database> SET \
                 lc_messages TO 'C'; (or GRANT SET ON PARAMETER lc_messages TO <role>;)"
            );
        }
        if !users::admin_exists(&mut conn)? {
            let token = setup::issue_token(&mut conn)?;
            let host = match config.bind.rsplit_once(':') {
                Some(("0.0.0.0" | "[::]", port)) => format!("127.0.0.1:{port}"),
                _ => config.bind.clone(),
            };
            println!();
            println!("  No administrator exists yet. Open this one-time link to create one:");
            if config.secure_cookies() {
                // Rapport itself speaks plain HTTP; https is the reverse proxy's. The link is
                // the path on the address the office uses.
                println!("  /setup?token={token}");
                println!("  on the address the office uses for Rapport (the reverse proxy's, https://…).");
            } else {
                println!("  http://{host}/setup?token={token}");
                if host != config.bind {
                    println!(
                        "  (from another computer, with this server's name in place of 127.0.0.1)"
                    );
                }
            }
            println!();
        }
    }
    if config.cookie_secure == rapport::config::CookieSecure::Auto
        && config.secure_cookies()
        && !config.trust_proxy
    {
        tracing::warn!(
            "RAPPORT_BIND {} is not a loopback address, so cookies are marked Secure \
             (RAPPORT_COOKIE_SECURE=auto): browsers only keep them over https://, and no one \
             can sign in at http://. Serve Rapport behind an HTTPS reverse proxy, or set \
             RAPPORT_COOKIE_SECURE=false for a plain-http intranet.",
            config.bind
        );
    }
    if config.cookie_secure == rapport::config::CookieSecure::Auto
        && !config.secure_cookies()
        && config.trust_proxy
    {
        // The README's layout: on loopback behind a reverse proxy that serves https. There
        // `auto` leaves the cookies without Secure (and sends no HSTS), which nothing said.
        tracing::warn!(
            "Rapport is bound to {} behind a trusted reverse proxy (RAPPORT_TRUST_PROXY), and \
             RAPPORT_COOKIE_SECURE=auto leaves its cookies without Secure and sends no HSTS: \
             when the proxy serves https, set RAPPORT_COOKIE_SECURE=true.",
            config.bind
        );
    }
    spawn_housekeeping(pool.clone(), config.clone());
    tracing::info!("Rapport listening on http://{}", listener.local_addr()?);
    let system = actix_web::rt::System::new();
    system.block_on(async move {
        let server = rapport::server(listener, pools, config)?;
        // actix-web stops on SIGINT, SIGTERM and SIGQUIT; a hang-up (a closed SSH session or
        // terminal) ended the process at once, leaving the private PostgreSQL running for good.
        let handle = server.handle();
        actix_web::rt::spawn(async move {
            use actix_web::rt::signal::unix::{signal, SignalKind};
            if let Ok(mut hangup) = signal(SignalKind::hangup()) {
                if hangup.recv().await.is_some() {
                    tracing::info!("hung up (SIGHUP): stopping");
                    handle.stop(true).await;
                }
            }
        });
        server.await
    })?;
    tracing::info!("Rapport stopped");
    Ok(())
}

/// Every ten minutes, removes sessions that have expired and old sign-in failures.
fn spawn_housekeeping(pool: db::DbPool, config: Config) {
    std::thread::spawn(move || loop {
        std::thread::sleep(std::time::Duration::from_secs(600));
        if let Ok(mut conn) = pool.get() {
            match rapport::auth::session::prune(&mut conn, &config) {
                Ok(n) if n > 0 => tracing::info!("ended {n} expired session(s)"),
                Ok(_) => {}
                Err(e) => tracing::warn!("could not remove expired sessions: {e}"),
            }
            let _ = rapport::auth::throttle::forget_old(&mut conn);
        }
    });
}

fn demo_data(database: &Database, contacts: u64, seed: u64) -> anyhow::Result<()> {
    migrate(database, db::Sorting::IfNever(database.locale))?;
    let mut conn = connect(database)?;
    let options = rapport::demo::Options { contacts, seed };
    let summary = rapport::demo::load(&mut conn, &options, &mut |line| println!("{line}"))?;
    println!("{summary}");
    Ok(())
}

/// A password typed at a prompt or read from standard input, composed (NFC) as a form field
/// is, so that the same letters typed in the sign-in form match it.
fn read_password(prompt: &str) -> anyhow::Result<String> {
    read_password_as_typed(prompt).map(|p| rapport::db::text::composed(&p).into_owned())
}

fn read_password_as_typed(prompt: &str) -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(prompt)?;
        let second = rpassword::prompt_password("Repeat it: ")?;
        if first != second {
            anyhow::bail!("the two passwords do not match");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

/// A form's errors said by the command line's own words: `--salesperson: There is no …`.
fn option_errors(errors: &rapport::web::FormErrors) -> String {
    let text: Vec<String> = errors
        .iter()
        .map(|(field, message)| {
            let name = match field {
                "username" => "user name",
                "display_name" => "--display-name",
                "role" => "--role",
                "salesperson_code" => "--salesperson",
                other => other,
            };
            format!("{name}: {message}")
        })
        .collect();
    text.join("; ")
}

fn user_command(database: &Database, cmd: UserCommand) -> anyhow::Result<()> {
    migrate(database, db::Sorting::IfNever(database.locale))?;
    let mut conn = connect(database)?;
    match cmd {
        UserCommand::Add {
            username,
            role,
            display_name,
            salesperson,
        } => {
            let mut new = users::NewUser {
                display_name: display_name.unwrap_or_else(|| username.clone()),
                username,
                role,
                salesperson_code: salesperson.unwrap_or_default(),
                password_confirmation: String::new(),
                password: String::new(),
            }
            .trimmed();
            // The name, the role and the salesperson before the password is asked for.
            let errors = users::check_before_password(&mut conn, &new)?;
            if !errors.is_empty() {
                anyhow::bail!("{}", option_errors(&errors));
            }
            let password = read_password("Password (at least 12 characters): ")?;
            new.password_confirmation = password.clone();
            new.password = password;
            let new = new.trimmed();
            let user = conn.transaction::<_, anyhow::Error, _>(|conn| {
                let user = match users::create(conn, &new) {
                    Ok(u) => u,
                    Err(users::CreateError::Invalid(errors)) => {
                        anyhow::bail!("{}", option_errors(&errors))
                    }
                    Err(e) => return Err(e.into()),
                };
                audit::record(
                    conn,
                    Actor::Cli,
                    "user created",
                    &user.username,
                    &user.created_detail(),
                    "",
                )?;
                Ok(user)
            })?;
            println!("User {} ({}) created.", user.username, user.role);
        }
        UserCommand::SetPassword { username } => {
            let user = users::find_by_username(&mut conn, &rapport::db::text::composed(&username))?
                .ok_or_else(|| anyhow::anyhow!("no user named {username}"))?;
            let password = read_password("New password (at least 12 characters): ")?;
            password::check_new(&password, &password, &user.username)
                .map_err(|m| anyhow::anyhow!("{m}"))?;
            let hash = password::hash(&password)?;
            conn.transaction::<_, anyhow::Error, _>(|conn| {
                users::set_password_hash(conn, user.id, &hash)?;
                audit::record(conn, Actor::Cli, "password reset", &user.username, "", "")?;
                Ok(())
            })?;
            if user.active {
                println!(
                    "Password of {} changed; their sessions were ended.",
                    user.username
                );
            } else {
                println!(
                    "Password of {0} changed. {0} is disabled and cannot sign in until enabled \
                     again (rapport user enable {0}, or the Users page).",
                    user.username
                );
            }
        }
        UserCommand::Enable { username } => {
            let name = rapport::db::text::composed(&username).into_owned();
            let said = conn.transaction::<_, anyhow::Error, _>(|conn| {
                let user = users::lock_by_username(conn, &name)?
                    .ok_or_else(|| anyhow::anyhow!("no user named {username}"))?;
                if user.active {
                    return Ok(format!("User {} is enabled already.", user.username));
                }
                users::set_active(conn, user.id, true)?;
                audit::record(conn, Actor::Cli, "user enabled", &user.username, "", "")?;
                Ok(format!("User {} enabled.", user.username))
            })?;
            println!("{said}");
        }
        UserCommand::Disable { username } => {
            let name = rapport::db::text::composed(&username).into_owned();
            // As the Users page does: the administrators' rows, then the user's, locked; the
            // last active administrator stays; one disabled already is left as it is.
            let said = conn.transaction::<_, anyhow::Error, _>(|conn| {
                let admins = users::lock_active_admins(conn)?;
                let user = users::lock_by_username(conn, &name)?
                    .ok_or_else(|| anyhow::anyhow!("no user named {username}"))?;
                if !user.active {
                    return Ok(format!("User {} is disabled already.", user.username));
                }
                if user.role() == rapport::auth::Role::Admin
                    && !admins.iter().any(|id| *id != user.id)
                {
                    anyhow::bail!(
                        "{} is the last active administrator and cannot be disabled",
                        user.username
                    );
                }
                users::set_active(conn, user.id, false)?;
                audit::record(conn, Actor::Cli, "user disabled", &user.username, "", "")?;
                Ok(format!(
                    "User {} disabled; their sessions were ended.",
                    user.username
                ))
            })?;
            println!("{said}");
        }
        UserCommand::List => {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{:<24} {:<8} {:<8} NAME", "USER", "ROLE", "ACTIVE")?;
            for u in users::list(&mut conn, database.locale)? {
                writeln!(
                    out,
                    "{:<24} {:<8} {:<8} {}",
                    u.username,
                    u.role,
                    if u.active { "yes" } else { "no" },
                    u.display_name
                )?;
            }
        }
    }
    Ok(())
}

/// Standard error that takes a write it cannot make (its terminal gone with a closed SSH
/// session) as made: the log's writer printed the failure, which panicked, and a panicking
/// thread stopped neither Rapport nor its PostgreSQL.
struct QuietStderr;

impl std::io::Write for QuietStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let _ = std::io::stderr().write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let _ = std::io::stderr().flush();
        Ok(())
    }
}
