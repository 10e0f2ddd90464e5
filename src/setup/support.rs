//! What the setup pages share: the rules of codes and texts, paths, search and paging, and
//! the bookkeeping of every change (audit entry and flash message, inside its transaction).

use actix_web::HttpRequest;
use bigdecimal::BigDecimal;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DbError};
use serde::Deserialize;
use std::str::FromStr;

use crate::admin::audit::{self, Actor};
use crate::auth::{client_ip, session, CurrentUser, SessionData};
use crate::db::text::invisible;
use crate::setup::registry::SetupTable;
use crate::web::pagination::Pager;
use crate::web::AppState;
use crate::web::{AppError, AppResult, Flash, FormErrors};

/// The setup forms' free texts are checked as every form's are.
pub use crate::web::forms::check_text;

/// Rows per page of a setup list.
pub const PER_PAGE: i64 = 50;
/// The longest code (the `code20` domain).
pub const CODE_MAX: usize = 20;
/// The longest description.
pub const DESCRIPTION_MAX: usize = 100;

/// The audit trail's actions of the setup pages.
pub const CREATED: &str = "setup created";
pub const CHANGED: &str = "setup changed";
pub const DELETED: &str = "setup deleted";

/// A code as stored: trimmed, in capitals.
pub fn normalize_code(raw: &str) -> String {
    raw.trim().to_uppercase()
}

/// The rules of the `code20` domain, checked first so the user gets a message, not an error.
/// `code` is already normalised.
pub fn check_code(errors: &mut FormErrors, field: &'static str, code: &str) {
    let len = code.chars().count();
    if code.is_empty() {
        errors.add(field, "Enter a code.");
    } else if len > CODE_MAX {
        errors.add(
            field,
            format!("Use at most {CODE_MAX} characters; this code has {len}."),
        );
    } else if code.chars().any(char::is_whitespace) {
        errors.add(field, "A code cannot contain spaces.");
    } else if code.chars().any(char::is_control) {
        errors.add(field, "A code cannot contain control characters.");
    } else if code.chars().any(invisible) {
        // Pasted from a web page or a document: "NORTH" and "NORTH" with a zero-width space
        // looked alike in every list, and a code could be wholly invisible.
        errors.add(
            field,
            "A code cannot contain invisible characters (such as a zero-width space pasted \
             with it): type it again.",
        );
    } else if code.chars().all(|c| c == '.') {
        errors.add(field, "A code cannot consist of dots only.");
    } else if code.contains('|') {
        // `|` separates codes in a filter (`RETAIL|WHOLESALE`) and in an exported file's
        // list of a contact's groups: a code `R|D` came back from its own export as R and D.
        errors.add(
            field,
            "A code cannot contain |: it separates codes in filters and in exported files.",
        );
    }
}

/// Why a new code (or a code changed) may not be what it is: a character that has a meaning
/// in the filters codes are typed into (`RVC*` read as every code starting with RVC, `A..B`
/// as a range, `<>X` as "not X"), as a series' prefix may not. A code that has one already
/// (made before this rule) keeps working, quoted in a filter (`'RVC*'`), and may be renamed.
pub fn code_in_filters_refused(code: &str) -> Option<String> {
    // `ẞ` (capital sharp s) stays itself in capitals, where `ß` becomes `SS`: `rvcß` and
    // `RVCẞ` were two codes that a case-insensitive filter took as one. (Refused rather than
    // made SS: an existing code with it, saved again, would have been renamed unasked.)
    if code.contains('ẞ') {
        return Some(
            "A code cannot contain ẞ: write SS (a code typed with ß is stored with SS).".into(),
        );
    }
    let (chars, why) = super::number_series::NOT_IN_NUMBERS[1];
    let found = code
        .chars()
        .find(|c| chars.contains(*c))
        .map(|c| c.to_string())
        .or_else(|| code.contains("..").then(|| "..".to_string()))?;
    let why = if found == ".." {
        "two dots together mean a range in filters, where codes are typed"
    } else {
        why
    };
    Some(format!(
        "A code cannot contain {found}: {}.",
        why.replace("numbers are typed", "codes are typed")
    ))
}

/// A digest of a row as its form showed it, sent back with the form (`shown`): a save over
/// a row changed since is refused ([`check_shown`]) instead of writing the form's every field
/// over a colleague's change (a salesperson blocked meanwhile was unblocked by a fix of its
/// e-mail address).
pub fn shown<T: std::fmt::Debug>(row: &T) -> String {
    crate::db::once::digest(row)
}

/// Refuses the save when the form was opened on `row` as it was before (`sent`: the form's
/// `shown`; empty from a form of before it, which is saved as before), with the reason at the
/// top of the form (under `shown`, beside any field's own). `what` names the row
/// ("salesperson JBN"); `would_change`, where the form's values are known good, is what
/// saving them would change in the row as it is now ("blocked yes → no"), said with the
/// reason. When that is nothing, the row already holds what was typed: nothing is refused.
pub fn check_shown<T: std::fmt::Debug>(
    errors: &mut FormErrors,
    sent: &str,
    row: &T,
    what: &str,
    would_change: Option<&str>,
) {
    if sent.is_empty() || sent == shown(row) || would_change == Some("") {
        return;
    }
    let change = match would_change {
        Some(change) => format!(" Saving your values would change {change}."),
        None => String::new(),
    };
    errors.add(
        "shown",
        format!(
            "Someone else saved {what} after you opened this page.{change} Your values are \
             below, not saved: open {what} again to see the change, or save again to replace it."
        ),
    );
}

/// What became of a row of `table` that a form was opened on and is no longer under its
/// code, as the audit trail tells it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Since {
    /// Renamed (once or more) to this code, which is there now.
    Renamed(String),
    /// Deleted: under which code (renamed first, it is not the one asked about), by whom,
    /// when (as the audit trail says it).
    Deleted {
        code: String,
        actor: String,
        at: String,
    },
    /// Nothing in the audit trail says (it never was, or it went some other way).
    Unknown,
}

impl Since {
    /// "Territory N was deleted by bert at …" for [`Since::Deleted`], `name` ("Territory N")
    /// being what was asked about under `asked` ("N"); empty otherwise.
    pub fn deleted(&self, name: &str, asked: &str) -> String {
        let Since::Deleted { code, actor, at } = self else {
            return String::new();
        };
        if code == asked {
            format!("{name} was deleted by {actor} at {at}")
        } else {
            format!("{name} was renamed {code}, then deleted by {actor} at {at}")
        }
    }
}

/// Whether `typed`, a code a form was opened with, is `now` under the name it had before an
/// administrator renamed it (the rename reaches the rows that hold it without a new version,
/// so a form opened before it sends the old code of a field its user never touched). A code
/// that is there is never taken for another.
pub fn renamed_to(
    conn: &mut PgConnection,
    table: &SetupTable,
    typed: &str,
    now: &str,
) -> QueryResult<bool> {
    if typed == now {
        return Ok(false);
    }
    Ok(renamed_since(conn, table, typed)?.as_deref() == Some(now))
}

/// What `code`, not in `table`, is called now, when the audit trail says an administrator
/// renamed it (a form or a card shown before the rename sends the old code). `None` for a
/// code that is there, or that went some other way.
pub fn renamed_since(
    conn: &mut PgConnection,
    table: &SetupTable,
    code: &str,
) -> QueryResult<Option<String>> {
    if code.is_empty() || table_has(conn, table, code)? {
        return Ok(None);
    }
    Ok(match since(conn, table, code)? {
        Since::Renamed(to) => Some(to),
        _ => None,
    })
}

/// "Territory N created.", and, for a code another was renamed from, that saved criteria and
/// steps that still name it (the rename's message said they would be refused) now select by
/// this one.
pub fn created_message(
    conn: &mut PgConnection,
    table: &SetupTable,
    code: &str,
) -> QueryResult<String> {
    let name = table.singular_cap();
    Ok(match since(conn, table, code)? {
        Since::Renamed(to) => format!(
            "{name} {code} created. {name} {code} was renamed to {to} earlier: filters that \
             name {code} in saved criteria or segment steps now select by this new one, not \
             by {to}."
        ),
        _ => format!("{name} {code} created."),
    })
}

/// A form's code field opened before an administrator renamed it: `typed` (upper case) becomes
/// `now`, the record's code, when [`renamed_to`] says it was its name (the rename reaches the
/// record without a new version, and the form still sends the old code of a field its user
/// never touched: it was refused as unknown). `table` is the registry's table name
/// (`"salespeople"`). Whether it was followed.
pub fn follow_rename(
    conn: &mut PgConnection,
    table: &str,
    typed: &mut String,
    now: Option<&str>,
) -> QueryResult<bool> {
    let (Some(now), Some(table)) = (now, crate::setup::registry::by_table(table)) else {
        return Ok(false);
    };
    let old = typed.trim().to_uppercase();
    if renamed_to(conn, table, &old, now)? {
        *typed = now.to_string();
        return Ok(true);
    }
    Ok(false)
}

/// How many renames [`since`] follows before it gives up.
const RENAMES_FOLLOWED: usize = 10;

/// [`Since`] for `code` of `table`: its last setup change or deletion, followed from rename
/// to rename ("code A → B" in the change's detail) to a code that is there now.
pub fn since(conn: &mut PgConnection, table: &SetupTable, code: &str) -> QueryResult<Since> {
    use crate::db::schema::audit_log as a;
    let mut code = code.to_string();
    for _ in 0..RENAMES_FOLLOWED {
        let last: Option<(String, String, String, chrono::DateTime<chrono::Utc>)> = a::table
            .filter(a::subject.eq(table.subject(&code)))
            .filter(a::action.eq_any([CHANGED, DELETED]))
            .order(a::id.desc())
            .select((a::action, a::detail, a::actor, a::at))
            .first(conn)
            .optional()?;
        let Some((action, detail, actor, at)) = last else {
            return Ok(Since::Unknown);
        };
        if action == DELETED {
            let at = crate::web::filters::local_datetime_text(at);
            return Ok(Since::Deleted { code, actor, at });
        }
        let Some(to) = renamed_in(&detail, &code) else {
            return Ok(Since::Unknown);
        };
        if table_has(conn, table, &to)? {
            return Ok(Since::Renamed(to));
        }
        code = to;
    }
    Ok(Since::Unknown)
}

/// What `code` of `table` was renamed to by its last change, if its last change renamed it.
fn renamed_last_to(
    conn: &mut PgConnection,
    table: &SetupTable,
    code: &str,
) -> QueryResult<Option<String>> {
    use crate::db::schema::audit_log as a;
    let detail: Option<String> = a::table
        .filter(a::subject.eq(table.subject(code)))
        .filter(a::action.eq(CHANGED))
        .order(a::id.desc())
        .select(a::detail)
        .first(conn)
        .optional()?;
    Ok(detail.and_then(|d| renamed_in(&d, code)))
}

/// Every code of `table` that an administrator renamed, and is not there, with what it is
/// called now (followed from rename to rename, as [`since`] does, to a code that is there):
/// read once for work over many rows, such as a file of contacts exported before a rename.
pub fn renamed_codes(
    conn: &mut PgConnection,
    table: &SetupTable,
    now: &std::collections::HashSet<String>,
) -> QueryResult<std::collections::HashMap<String, String>> {
    use crate::db::schema::audit_log as a;
    let prefix = table.subject("");
    let changes: Vec<(String, String)> = a::table
        .filter(a::action.eq(CHANGED))
        .filter(a::subject.like(format!("{}%", crate::db::text::like_escape(&prefix))))
        .filter(a::detail.like("%code % → %"))
        .order(a::id.asc())
        .select((a::subject, a::detail))
        .load(conn)?;
    // The last rename of each code (a code renamed, made again and renamed again went the
    // second way).
    let mut step = std::collections::HashMap::new();
    for (subject, detail) in changes {
        let Some(from) = subject.strip_prefix(&prefix) else {
            continue;
        };
        if let Some(to) = renamed_in(&detail, from) {
            step.insert(from.to_string(), to);
        }
    }
    let mut renamed = std::collections::HashMap::new();
    for from in step.keys().filter(|c| !now.contains(*c)) {
        let mut code = from;
        for _ in 0..RENAMES_FOLLOWED {
            let Some(to) = step.get(code) else { break };
            if now.contains(to) {
                renamed.insert(from.clone(), to.clone());
                break;
            }
            code = to;
        }
    }
    Ok(renamed)
}

/// The new code in a change's detail that renamed `from` ("code A → B; description …").
fn renamed_in(detail: &str, from: &str) -> Option<String> {
    detail.split("; ").find_map(|part| {
        let to = part
            .strip_prefix("code ")?
            .strip_prefix(from)?
            .strip_prefix(" → ")?;
        (!to.is_empty()).then(|| to.to_string())
    })
}

pub fn table_has(conn: &mut PgConnection, table: &SetupTable, code: &str) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        found: bool,
    }
    // `table.table` is one of the registry's fixed names.
    let q = format!(
        "SELECT EXISTS (SELECT 1 FROM {} WHERE code = $1) AS found",
        table.table
    );
    Ok(diesel::sql_query(q)
        .bind::<diesel::sql_types::Text, _>(code)
        .get_result::<Found>(conn)?
        .found)
}

/// The row a form was opened on, locked with `lock`: under `code`, or, when another
/// administrator renamed it since, under its code now — the form's `shown` digest then no
/// longer matches, and [`check_shown`] says what changed instead of a bare "not found" that
/// lost what was typed. Deleted since, the change is refused ([`gone`]).
pub fn row_now<T>(
    conn: &mut PgConnection,
    table: &SetupTable,
    code: &str,
    lock: impl Fn(&mut PgConnection, &str) -> QueryResult<Option<T>>,
) -> AppResult<T> {
    if let Some(row) = lock(conn, code)? {
        return Ok(row);
    }
    match since(conn, table, code)? {
        Since::Renamed(now) => lock(conn, &now)?.ok_or(AppError::NotFound),
        other => Err(gone(table, code, &other)),
    }
}

/// The answer to a code page whose `code` names no row of `table`: renamed since (a bookmark,
/// a colleague's link), the page of its code now; else not found. (It was "Page not found"
/// for a code another administrator had renamed.)
pub fn moved(conn: &mut PgConnection, table: &SetupTable, code: &str) -> AppError {
    moved_within(conn, table, code, "")
}

/// [`moved`] for a page under a code's page (`within`, e.g. "/stages/2" of a sales cycle, a
/// question of a questionnaire): under the code now, when it was renamed.
pub fn moved_within(
    conn: &mut PgConnection,
    table: &SetupTable,
    code: &str,
    within: &str,
) -> AppError {
    match since(conn, table, code) {
        Ok(Since::Renamed(now)) => AppError::Moved {
            to: format!("{}{within}", table.code_href(&now)),
        },
        Ok(_) => AppError::NotFound,
        Err(e) => e.into(),
    }
}

/// A change to `code` of `table`, which is not there: refused (409), saying what became of
/// it, with the way back to it or to its list. Nothing was changed.
pub fn gone(table: &SetupTable, code: &str, since: &Since) -> AppError {
    let name = format!("{} {code}", table.singular_cap());
    let (what, back) = match since {
        Since::Renamed(now) => (
            format!("{name} is now {now}: another administrator renamed it after this page was opened. Open {now} to change it."),
            table.code_href(now),
        ),
        Since::Deleted { .. } => (
            format!("{}, after this page was opened.", since.deleted(&name, code)),
            table.href(),
        ),
        Since::Unknown => (
            format!("{name} is not there any more: it was renamed or deleted after this page was opened."),
            table.href(),
        ),
    };
    AppError::Refused {
        message: format!("{what} Nothing was changed."),
        back,
    }
}

/// A delete of `code` of `table`, which `lock` did not find: deleted already — by this form's
/// first sending (a double click, or Back and send: its message stays) or by another
/// administrator (said, with who) — it ends on the list, nothing more deleted. Renamed since,
/// or gone unsaid, it is refused ([`gone`]). Answers where to go next.
pub fn deleted_already(
    conn: &mut PgConnection,
    change: &Change,
    table: &SetupTable,
    code: &str,
) -> AppResult<String> {
    let since = since(conn, table, code)?;
    if !matches!(since, Since::Deleted { .. }) {
        return Err(gone(table, code, &since));
    }
    let name = format!("{} {code}", table.singular_cap());
    change.already(
        conn,
        format!("{}: nothing more to delete.", since.deleted(&name, code)),
    )?;
    Ok(table.href())
}

/// The shape of an e-mail address: something@domain.tld, no spaces.
pub fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && !local.contains('@')
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        && !value.contains(['<', '>', '(', ')', ',', ';', ':', '\\', '"', '[', ']'])
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !domain.starts_with('-')
}

pub use crate::web::pagination::path_segment;

/// The pattern for "contains `q`" in any case, compared with `rapport_fold(column) LIKE`.
pub fn like_pattern(q: &str) -> String {
    crate::db::text::contains_pattern(q)
}

/// `?q=…&page=…` of a list.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    pub page: Option<String>,
}

/// One page of a searchable list, with the links to the other pages.
#[derive(Clone, Debug)]
pub struct Listing {
    /// The list's path, e.g. `/setup/countries`.
    pub base: String,
    /// The search text as typed (trimmed).
    pub q: String,
    pub pager: Pager,
    /// Further filters of the list (name, value), kept by its links and its search.
    pub params: Vec<(&'static str, String)>,
}

impl Listing {
    pub fn new(base: String, query: &ListQuery, total: i64) -> Listing {
        Listing {
            base,
            q: query.q.trim().to_string(),
            pager: Pager::new(query.page.as_deref(), PER_PAGE, total),
            params: Vec::new(),
        }
    }

    /// The list narrowed by a further filter: `name=value` in its links (nothing when empty).
    pub fn with_param(mut self, name: &'static str, value: &str) -> Listing {
        if !value.is_empty() {
            self.params.push((name, value.to_string()));
        }
        self
    }

    /// The address of page `page` of the same search.
    pub fn link(&self, page: i64) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in &self.params {
            q.append_pair(name, value);
        }
        if !self.q.is_empty() {
            q.append_pair("q", &self.q);
        }
        if page > 1 {
            q.append_pair("page", &page.to_string());
        }
        let q = q.finish();
        if q.is_empty() {
            self.base.clone()
        } else {
            format!("{}?{q}", self.base)
        }
    }

    pub fn searching(&self) -> bool {
        !self.q.is_empty()
    }

    pub fn total_text(&self) -> String {
        crate::web::pagination::thousands(self.pager.total)
    }

    /// The rows this page shows, "1–50".
    pub fn rows_text(&self) -> String {
        use crate::web::pagination::thousands;
        format!(
            "{}–{}",
            thousands(self.pager.first_row()),
            thousands(self.pager.last_row())
        )
    }
}

/// The search text and its pattern (see [`like_pattern`]), as bound parameters.
pub fn search_terms(q: &str) -> (String, String) {
    let q = q.trim().to_string();
    let pattern = like_pattern(&q);
    (q, pattern)
}

/// Who makes a change, from where, and the session to leave the message in.
#[derive(Clone, Debug)]
pub struct Change {
    pub admin: CurrentUser,
    pub session: SessionData,
    pub ip: String,
}

impl Change {
    pub fn new(req: &HttpRequest, admin: CurrentUser, state: &AppState) -> AppResult<Change> {
        Ok(Change {
            admin,
            session: session::current(req)?,
            ip: client_ip(req, state.config.trust_proxy),
        })
    }

    /// Records the change in the audit trail and leaves a success message for the next page.
    pub fn done(
        &self,
        conn: &mut PgConnection,
        action: &str,
        subject: &str,
        detail: &str,
        message: String,
    ) -> QueryResult<()> {
        audit::record(
            conn,
            Actor::User(&self.admin),
            action,
            subject,
            detail,
            &self.ip,
        )?;
        session::set_flash(conn, &self.session, Flash::success(message))
    }

    /// Leaves a note that the form was saved as it was; the form sent twice (a double click)
    /// keeps its first sending's message, which says what it changed.
    pub fn unchanged(&self, conn: &mut PgConnection) -> QueryResult<()> {
        session::set_flash_unless_waiting(
            conn,
            &self.session,
            Flash::info("Nothing was changed: the form was saved as it was."),
        )
    }

    /// Says that what the form asks was done already — by its own first sending (a double
    /// click, whose message then stays) or by another administrator — and nothing more was.
    pub fn already(&self, conn: &mut PgConnection, message: String) -> QueryResult<()> {
        session::set_flash_unless_waiting(conn, &self.session, Flash::info(message))
    }

    /// Leaves an error message for the next page (nothing was changed).
    pub fn refuse(&self, conn: &mut PgConnection, message: String) -> QueryResult<()> {
        session::set_flash(conn, &self.session, Flash::error(message))
    }
}

/// Whether a code is taken: by no row, by a row holding what the form sends (a new row's form
/// sent twice), or by another row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Taken {
    Free,
    AsSent,
    Other,
}

impl Taken {
    /// What `found` (the row of the code, if any) means for a form that sends what `as_sent`
    /// recognises.
    pub fn of<T>(found: Option<T>, as_sent: impl FnOnce(&T) -> bool) -> Taken {
        match found {
            None => Taken::Free,
            Some(row) if as_sent(&row) => Taken::AsSent,
            Some(_) => Taken::Other,
        }
    }
}

/// The message for a code that is taken: "Salesperson JBN already exists."
pub fn duplicate(table: &SetupTable, code: &str) -> String {
    format!("{} {code} already exists.", table.singular_cap())
}

/// The message for a code the database refuses although the form's checks let it through.
pub const NOT_STORABLE: &str =
    "This code cannot be stored: use letters, digits and punctuation, without spaces.";

/// A row of a setup table as a form saves it: its table, its code (the key) before and after,
/// and what the audit trail says of it.
pub struct Saving<'a> {
    pub table: &'a SetupTable,
    /// `None` for a new row.
    pub old_code: Option<&'a str>,
    pub code: &'a str,
    /// The audit trail's detail: the description of a new row, the changes of an edited one
    /// (empty: nothing changed, nothing is written).
    pub detail: &'a str,
    /// Words after the flash message, e.g. what to do next ("" for none).
    pub next: &'a str,
}

impl Change {
    /// Saves a setup row once the form's own checks are in `errors`: a code already taken
    /// (`taken` says whether another row has it; for a new row, one that holds just what the
    /// form sends is the form sent twice: said, and nothing more written), or one the database
    /// refuses, is an error on the `code` field and nothing is written; an edit that changes
    /// nothing writes nothing and says so; otherwise `write` runs (in a savepoint) and the change goes to the audit
    /// trail with its flash message. The form's errors come back for the page to show.
    pub fn save(
        &self,
        conn: &mut PgConnection,
        row: Saving<'_>,
        mut errors: FormErrors,
        taken: impl Fn(&mut PgConnection) -> QueryResult<Taken>,
        write: impl FnOnce(&mut PgConnection) -> QueryResult<usize>,
    ) -> QueryResult<Result<(), FormErrors>> {
        let Saving {
            table,
            old_code,
            code,
            detail,
            next,
        } = row;
        // A new row that is there as the form says: the form's own first sending (a double
        // click, or Back and send: its message stays) or another administrator's identical
        // one. Nothing more is created.
        let sent_twice = |conn: &mut PgConnection| -> QueryResult<bool> {
            if taken(conn)? != Taken::AsSent {
                return Ok(false);
            }
            self.already(
                conn,
                format!(
                    "{} {code} exists already, as this form says: nothing more was created.",
                    table.singular_cap()
                ),
            )?;
            Ok(true)
        };
        if !errors.has("code") && old_code != Some(code) {
            if let Some(why) = code_in_filters_refused(code) {
                errors.add("code", why);
            }
        }
        if !errors.has("code") && old_code != Some(code) {
            match taken(conn)? {
                Taken::Free => {}
                Taken::AsSent if old_code.is_none() && errors.is_empty() => {
                    sent_twice(conn)?;
                    return Ok(Ok(()));
                }
                _ => errors.add("code", duplicate(table, code)),
            }
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        if old_code.is_some() && detail.is_empty() {
            self.unchanged(conn)?;
            return Ok(Ok(()));
        }
        match guarded(conn, write)? {
            Ok(_) => {}
            // The first sending of a double click, saved at the same moment (both found the
            // code free): seen now that it is committed.
            Err(Refusal::Duplicate) if old_code.is_none() && sent_twice(conn)? => {
                return Ok(Ok(()));
            }
            Err(Refusal::Duplicate) => errors.add("code", duplicate(table, code)),
            // A code the row names (a group, a salesperson) deleted by another administrator
            // between the checks and the save: not the code's fault.
            Err(Refusal::InUse) => errors.add(
                "shown",
                "Nothing was saved: a code this form names was deleted or renamed a moment \
                 ago. Check the form's codes and save again.",
            ),
            Err(Refusal::Invalid) => errors.add("code", NOT_STORABLE),
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        let name = table.singular_cap();
        let (action, subject, message) = match old_code {
            None => (CREATED, code, created_message(conn, table, code)?),
            Some(old) if old == code => (CHANGED, old, format!("{name} {code} saved.")),
            Some(old) => {
                let mut message = format!(
                    "{name} {old} is now {code}; everything that used it follows. Filters that \
                     name {old} in saved criteria or segment steps keep it: Refresh and Reuse \
                     Criteria say which, and refuse them (a pattern or a range that takes it \
                     in is not checked)."
                );
                // The new code was another's name before, renamed away since: the filters
                // that still name it select by this one now, as a code created so would.
                // (Not when it was renamed to this row's old code: this row, renamed back.)
                let back = renamed_last_to(conn, table, code)?.as_deref() == Some(old);
                match since(conn, table, code)? {
                    Since::Renamed(to) if !back => message.push_str(&format!(
                        " {name} {code} was renamed to {to} earlier: filters that name {code} \
                         now select by this one, not by {to}."
                    )),
                    _ => {}
                }
                (CHANGED, old, message)
            }
        };
        let message = if next.is_empty() {
            message
        } else {
            format!("{message} {next}")
        };
        self.done(conn, action, &table.subject(subject), detail, message)?;
        Ok(Ok(()))
    }
}

/// Why the database refused a write that the checks let through (a race with another user,
/// or a rule of the schema the checks do not know).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    Duplicate,
    Invalid,
    InUse,
}

/// Runs `f` in a savepoint: a constraint violation rolls back only `f` and comes back as a
/// [`Refusal`], so the handler can answer with a message instead of a 500.
pub fn guarded<T>(
    conn: &mut PgConnection,
    f: impl FnOnce(&mut PgConnection) -> QueryResult<T>,
) -> QueryResult<Result<T, Refusal>> {
    match conn.transaction(f) {
        Ok(v) => Ok(Ok(v)),
        Err(DbError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
            Ok(Err(Refusal::Duplicate))
        }
        Err(DbError::DatabaseError(
            DatabaseErrorKind::CheckViolation | DatabaseErrorKind::NotNullViolation,
            _,
        )) => Ok(Err(Refusal::Invalid)),
        Err(DbError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _)) => {
            Ok(Err(Refusal::InUse))
        }
        Err(e) => Err(e),
    }
}

/// An amount with two decimals: 0 → "0.00".
pub fn money(v: &BigDecimal) -> String {
    crate::web::filters::amount(v)
}

/// Amounts stay below [`crate::web::forms::AMOUNT_LIMIT`].
fn max_amount() -> BigDecimal {
    BigDecimal::from(crate::web::forms::AMOUNT_LIMIT)
}

/// An amount as typed ("12.5", "12.50", "1000"; "1.000,50" in da-DK, see
/// `web::forms::plain_amount`): 0 or more, below ten billion, in cents (decimals past the
/// second may be zeros, "12,500"; others are refused, not rounded away without a word). Plain
/// decimal notation only (no exponent, at most 20 characters), so nothing typed can make a
/// number of a million digits. [`crate::web::forms::amount_refused`] says why one was refused.
pub fn parse_amount(typed: &str) -> Option<BigDecimal> {
    let plain = crate::web::forms::plain_amount(typed).ok()?;
    let t = plain.as_str();
    let (whole, cents) = t.split_once('.').unwrap_or((t, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if t.is_empty() || t.len() > 20 || !digits(whole) || !digits(cents) || t == "." {
        return None;
    }
    if crate::web::forms::past_cents(cents) {
        return None;
    }
    let v = BigDecimal::from_str(t)
        .ok()?
        .with_scale_round(2, bigdecimal::RoundingMode::HalfUp);
    (v < max_amount()).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rename_is_read_from_the_change_s_detail() {
        assert_eq!(renamed_in("code A → B", "A").as_deref(), Some("B"));
        assert_eq!(
            renamed_in("code NORTH → N; description “x” → “y”", "NORTH").as_deref(),
            Some("N")
        );
        assert_eq!(
            renamed_in("code P → TOOHIGH; TOOHIGH lost: Price", "P").as_deref(),
            Some("TOOHIGH")
        );
        assert_eq!(renamed_in("description “x” → “y”", "A"), None);
        assert_eq!(renamed_in("code AB → C", "A"), None);
    }

    fn code_error(raw: &str) -> Option<String> {
        let mut e = FormErrors::new();
        check_code(&mut e, "code", &normalize_code(raw));
        e.get("code").map(str::to_string)
    }

    #[test]
    fn a_new_code_may_not_hold_what_filters_read() {
        for code in [
            "RVC*", "A..B", "<>X", "R&D", "A@B", "O'NEIL", "(A)", "A=B", "A<B",
        ] {
            assert!(
                code_in_filters_refused(code).is_some_and(|e| e.contains("filters")),
                "{code}"
            );
        }
        assert_eq!(
            code_in_filters_refused("RVC*").as_deref(),
            Some("A code cannot contain *: it has a meaning in filters, where codes are typed.")
        );
        assert!(code_in_filters_refused("RVCẞ").is_some_and(|e| e.contains("write SS")));
        assert_eq!(normalize_code("rvcß"), "RVCSS");
        for code in ["A-1/B.2", "ÆBLE", "N.E", "A_B", "A+B", "A#1"] {
            assert_eq!(code_in_filters_refused(code), None, "{code}");
        }
    }

    #[test]
    fn codes_follow_the_domain() {
        assert_eq!(normalize_code("  retail "), "RETAIL");
        assert_eq!(code_error("retail"), None);
        assert_eq!(code_error("A-1/B.2"), None);
        assert_eq!(code_error("ÆBLE"), None);
        for hidden in [
            "NORTH\u{200B}",
            "\u{FEFF}NORTH",
            "NO\u{202E}RTH",
            "\u{200D}",
            "A\u{00AD}B",
        ] {
            assert!(
                code_error(hidden).is_some_and(|e| e.contains("invisible characters")),
                "{hidden:?}"
            );
        }
        assert_eq!(code_error("").as_deref(), Some("Enter a code."));
        assert_eq!(
            code_error("two words").as_deref(),
            Some("A code cannot contain spaces.")
        );
        assert_eq!(
            code_error(&"x".repeat(21)).as_deref(),
            Some("Use at most 20 characters; this code has 21.")
        );
        assert!(code_error(&"x".repeat(20)).is_none());
        assert!(code_error("a\u{7}b").is_some());
        assert!(code_error("..").is_some());
        // ß becomes SS: the length counts after upper-casing.
        assert!(code_error(&"ß".repeat(11)).is_some());
    }

    #[test]
    fn emails_need_a_plausible_shape() {
        for ok in ["a@b.dk", "maria.keller+crm@example.co.uk"] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "",
            "maria",
            "@example.com",
            "maria@",
            "maria@localhost",
            "ma ria@example.com",
            "maria@example..com",
            "maria@.example.com",
            "a@b@c.dk",
            "<a@b.dk>",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn search_wildcards_are_literal_and_paths_escaped() {
        assert_eq!(like_pattern("50%_A\\"), "%50\\%\\_a\\\\%");
        assert_eq!(path_segment("A/B C?#%+"), "A%2FB%20C%3F%23%25%2B");
    }

    #[test]
    fn list_links_keep_the_search() {
        let l = Listing::new(
            "/setup/countries".into(),
            &ListQuery {
                q: " den & co ".into(),
                page: Some("2".into()),
            },
            249,
        );
        assert_eq!(l.link(1), "/setup/countries?q=den+%26+co");
        assert_eq!(l.link(3), "/setup/countries?q=den+%26+co&page=3");
        let all = Listing::new("/setup/countries".into(), &ListQuery::default(), 249);
        assert_eq!(all.link(1), "/setup/countries");
        assert_eq!(all.pager.pages(), 5);
        let grouped = Listing::new(
            "/setup/interaction-templates".into(),
            &ListQuery {
                q: "call".into(),
                page: None,
            },
            120,
        )
        .with_param("group", "PHONE & FAX")
        .with_param("empty", "");
        assert_eq!(
            grouped.link(2),
            "/setup/interaction-templates?group=PHONE+%26+FAX&q=call&page=2"
        );
    }

    #[test]
    fn amounts_are_rounded_to_cents_and_bounded() {
        let cents = |s: &str| parse_amount(s).map(|v| v.to_string());
        assert_eq!(cents("12.5").as_deref(), Some("12.50"));
        assert_eq!(cents("12.5000").as_deref(), Some("12.50"));
        // Past cents: refused, not rounded (to 0.01, to 0).
        assert_eq!(parse_amount("0.005"), None);
        assert_eq!(parse_amount("0.004"), None);
        assert_eq!(parse_amount("1234.567"), None);
        assert_eq!(cents(" +7 ").as_deref(), Some("7.00"));
        assert_eq!(cents("9999999999.99").as_deref(), Some("9999999999.99"));
        for bad in [
            "",
            ".",
            "-1",
            "10000000000",
            "9999999999.995",
            "1e3",
            "1e999999999",
            "12,50",
            "NaN",
            "1.2.3",
            "١٢",
        ] {
            assert_eq!(cents(bad), None, "{bad}");
        }
    }

    #[test]
    fn money_has_two_decimals() {
        assert_eq!(money(&BigDecimal::from(0)), "0.00");
        assert_eq!(money(&BigDecimal::from_str("11.5").unwrap()), "11.50");
    }
}
