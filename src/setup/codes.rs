//! The code + description tables (territories, countries, languages, industry groups, …):
//! one set of pages for every [`Kind::Codes`](super::registry::Kind::Codes) entry of the
//! registry, at `/setup/{slug}`.
//!
//! The routes of tables with pages of their own (salespeople, questionnaires, number series)
//! are registered before these, so they win; here an unknown or non-plain slug is a 404.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use serde::Deserialize;

use super::registry::{self, SetupTable};
use super::support::{
    check_code, check_shown, check_text, deleted_already, guarded, normalize_code, row_now,
    search_terms, shown, Change, ListQuery, Listing, Saving, Taken, DELETED, DESCRIPTION_MAX,
    PER_PAGE,
};
use super::CodeOption;
use crate::auth::{Admin, Role, SignedIn};
use crate::web::AppState;
use crate::web::{db, ok, redirect, unprocessable, AppError, AppResult, FormErrors, Layout};

// ---------------------------------------------------------------------------------------------
// Queries. `table.table` is a fixed name from the registry; every value is a bound parameter.

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

const SEARCH: &str = "($1 = '' OR rapport_fold(code) LIKE $2 OR rapport_fold(description) LIKE $2)";

pub fn count(conn: &mut PgConnection, table: &SetupTable, q: &str) -> QueryResult<i64> {
    let (q, pattern) = search_terms(q);
    let c: Count = diesel::sql_query(format!(
        "SELECT count(*) AS n FROM {} WHERE {SEARCH}",
        table.table
    ))
    .bind::<Text, _>(q)
    .bind::<Text, _>(pattern)
    .get_result(conn)?;
    Ok(c.n)
}

/// One page of the codes matching `q`; a code equal to `q` comes first.
pub fn page(
    conn: &mut PgConnection,
    table: &SetupTable,
    q: &str,
    offset: i64,
) -> QueryResult<Vec<CodeOption>> {
    let (q, pattern) = search_terms(q);
    diesel::sql_query(format!(
        "SELECT code::text AS code, description FROM {} WHERE {SEARCH} \
         ORDER BY (code = upper($1)) DESC, code LIMIT $3 OFFSET $4",
        table.table
    ))
    .bind::<Text, _>(q)
    .bind::<Text, _>(pattern)
    .bind::<BigInt, _>(PER_PAGE)
    .bind::<BigInt, _>(offset)
    .load(conn)
}

pub fn find(
    conn: &mut PgConnection,
    table: &SetupTable,
    code: &str,
) -> QueryResult<Option<CodeOption>> {
    diesel::sql_query(format!(
        "SELECT code::text AS code, description FROM {} WHERE code = $1",
        table.table
    ))
    .bind::<Text, _>(code)
    .get_result(conn)
    .optional()
}

/// The row, locked until the transaction ends: nobody can start using it meanwhile.
fn lock(
    conn: &mut PgConnection,
    table: &SetupTable,
    code: &str,
) -> QueryResult<Option<CodeOption>> {
    diesel::sql_query(format!(
        "SELECT code::text AS code, description FROM {} WHERE code = $1 FOR UPDATE",
        table.table
    ))
    .bind::<Text, _>(code)
    .get_result(conn)
    .optional()
}

fn insert(
    conn: &mut PgConnection,
    table: &SetupTable,
    code: &str,
    description: &str,
) -> QueryResult<usize> {
    diesel::sql_query(format!(
        "INSERT INTO {} (code, description) VALUES ($1, $2)",
        table.table
    ))
    .bind::<Text, _>(code)
    .bind::<Text, _>(description)
    .execute(conn)
}

/// Changes code and description; the references follow a new code (ON UPDATE CASCADE).
fn update(
    conn: &mut PgConnection,
    table: &SetupTable,
    old: &str,
    code: &str,
    description: &str,
) -> QueryResult<usize> {
    diesel::sql_query(format!(
        "UPDATE {} SET code = $2, description = $3 WHERE code = $1",
        table.table
    ))
    .bind::<Text, _>(old)
    .bind::<Text, _>(code)
    .bind::<Text, _>(description)
    .execute(conn)
}

fn delete_row(conn: &mut PgConnection, table: &SetupTable, code: &str) -> QueryResult<usize> {
    diesel::sql_query(format!("DELETE FROM {} WHERE code = $1", table.table))
        .bind::<Text, _>(code)
        .execute(conn)
}

// ---------------------------------------------------------------------------------------------
// The form.

#[derive(Clone, Debug, Default, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub description: String,
    /// The row as the form showed it ([`super::support::shown`]).
    #[serde(default)]
    pub shown: String,
}

impl CodeForm {
    /// The code in capitals, both trimmed.
    pub fn cleaned(self) -> CodeForm {
        CodeForm {
            code: normalize_code(&self.code),
            description: self.description.trim().to_string(),
            shown: self.shown,
        }
    }

    pub fn validate(&self) -> FormErrors {
        let mut errors = FormErrors::new();
        check_code(&mut errors, "code", &self.code);
        check_text(
            &mut errors,
            "description",
            &self.description,
            DESCRIPTION_MAX,
            None,
        );
        errors
    }
}

/// What a change of code and description does, for the audit trail.
fn change_detail(old: &CodeOption, changed: &CodeForm) -> String {
    let mut parts = Vec::new();
    if old.code != changed.code {
        parts.push(format!("code {} → {}", old.code, changed.code));
    }
    if old.description != changed.description {
        parts.push(format!(
            "description “{}” → “{}”",
            old.description, changed.description
        ));
    }
    parts.join("; ")
}

fn plain_table(slug: &str) -> AppResult<&'static SetupTable> {
    registry::plain(slug).ok_or(AppError::NotFound)
}

// ---------------------------------------------------------------------------------------------
// Pages.

#[derive(Template)]
#[template(path = "setup/codes.html")]
pub struct CodeListPage {
    pub layout: Layout,
    pub table: &'static SetupTable,
    pub rows: Vec<CodeOption>,
    pub listing: Listing,
    pub can_edit: bool,
}

#[get("/setup/{slug}")]
pub async fn list(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let table = plain_table(&path.into_inner())?;
    let query = query.into_inner();
    let (rows, listing) = db(&state.pool, move |conn| {
        let total = count(conn, table, &query.q)?;
        let listing = Listing::new(table.href(), &query, total);
        let rows = page(conn, table, &listing.q, listing.pager.offset())?;
        Ok((rows, listing))
    })
    .await?;
    ok(&CodeListPage {
        layout,
        table,
        rows,
        listing,
        can_edit: user.role == Role::Admin,
    })
}

#[derive(Template)]
#[template(path = "setup/code_new.html")]
pub struct NewCodePage {
    pub layout: Layout,
    pub table: &'static SetupTable,
    pub form: CodeForm,
    pub errors: FormErrors,
}

#[get("/setup/{slug}/new")]
pub async fn new(
    _admin: Admin,
    layout: Layout,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let table = plain_table(&path.into_inner())?;
    ok(&NewCodePage {
        layout,
        table,
        form: CodeForm::default(),
        errors: FormErrors::new(),
    })
}

#[post("/setup/{slug}")]
pub async fn create(
    req: HttpRequest,
    Admin(admin): Admin,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<CodeForm>,
) -> AppResult<HttpResponse> {
    let table = plain_table(&path.into_inner())?;
    let change = Change::new(&req, admin, &state)?;
    let form = form.into_inner().cleaned();
    let f = form.clone();
    let result = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let row = Saving {
                table,
                old_code: None,
                code: &f.code,
                detail: &f.description,
                next: "",
            };
            Ok(change.save(
                conn,
                row,
                f.validate(),
                |c| {
                    Ok(Taken::of(find(c, table, &f.code)?, |row| {
                        row.description == f.description
                    }))
                },
                |c| insert(c, table, &f.code, &f.description),
            )?)
        })
    })
    .await?;
    match result {
        Ok(()) => Ok(redirect(&table.href())),
        Err(errors) => unprocessable(&NewCodePage {
            layout,
            table,
            form,
            errors,
        }),
    }
}

/// An admin's page of one code: change it or delete it.
#[derive(Template)]
#[template(path = "setup/code_edit.html")]
pub struct EditCodePage {
    pub layout: Layout,
    pub table: &'static SetupTable,
    /// The code as stored (the form may hold a new one).
    pub code: String,
    pub form: CodeForm,
    pub errors: FormErrors,
    /// Where it is used, e.g. "1,204 contacts"; empty when unused.
    pub used_by: registry::UsedBy,
}

/// Everyone else's page of one code.
#[derive(Template)]
#[template(path = "setup/code_show.html")]
pub struct ShowCodePage {
    pub layout: Layout,
    pub table: &'static SetupTable,
    pub row: CodeOption,
    pub used_by: registry::UsedBy,
}

#[get("/setup/{slug}/{code}")]
pub async fn show(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (slug, code) = path.into_inner();
    let table = plain_table(&slug)?;
    let (row, used_by) = db(&state.pool, move |conn| {
        let Some(row) = find(conn, table, &code)? else {
            return Err(super::support::moved(conn, table, &code));
        };
        let used_by = registry::used_by(&registry::usages(conn, table, &row.code)?, &row.code);
        Ok((row, used_by))
    })
    .await?;
    if user.role == Role::Admin {
        ok(&EditCodePage {
            layout,
            table,
            code: row.code.to_string(),
            form: CodeForm {
                code: row.code.to_string(),
                description: row.description.to_string(),
                shown: shown(&row),
            },
            errors: FormErrors::new(),
            used_by,
        })
    } else {
        ok(&ShowCodePage {
            layout,
            table,
            row,
            used_by,
        })
    }
}

#[post("/setup/{slug}/{code}")]
pub async fn update_code(
    req: HttpRequest,
    Admin(admin): Admin,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<CodeForm>,
) -> AppResult<HttpResponse> {
    let (slug, old_code) = path.into_inner();
    let table = plain_table(&slug)?;
    let change = Change::new(&req, admin, &state)?;
    let form = form.into_inner().cleaned();
    let f = form.clone();
    let result = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let old = row_now(conn, table, &old_code, |c, code| lock(c, table, code))?;
            let detail = change_detail(&old, &f);
            let row = Saving {
                table,
                old_code: Some(&old.code),
                code: &f.code,
                detail: &detail,
                next: "",
            };
            let mut errors = f.validate();
            let what = format!("{} {}", table.singular, old.code.as_str());
            check_shown(&mut errors, &f.shown, &old, &what, Some(&detail));
            let saved = change.save(
                conn,
                row,
                errors,
                |c| Ok(Taken::of(find(c, table, &f.code)?, |_| false)),
                |c| update(c, table, &old.code, &f.code, &f.description),
            )?;
            let Err(errors) = saved else {
                return Ok(Ok(()));
            };
            let used_by = registry::used_by(&registry::usages(conn, table, &old.code)?, &old.code);
            Ok(Err((old.code.to_string(), errors, used_by, shown(&old))))
        })
    })
    .await?;
    match result {
        Ok(()) => Ok(redirect(&table.href())),
        // Shown again over the row as it is now: saved again, the form replaces it.
        Err((code, errors, used_by, now)) => unprocessable(&EditCodePage {
            layout,
            table,
            code,
            form: CodeForm { shown: now, ..form },
            errors,
            used_by,
        }),
    }
}

#[post("/setup/{slug}/{code}/delete")]
pub async fn delete(
    req: HttpRequest,
    Admin(admin): Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (slug, code) = path.into_inner();
    let table = plain_table(&slug)?;
    let change = Change::new(&req, admin, &state)?;
    let location = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let Some(row) = lock(conn, table, &code)? else {
                return deleted_already(conn, &change, table, &code);
            };
            delete_unused(conn, &change, table, &row.code, "", |c| {
                delete_row(c, table, &row.code)
            })
        })
    })
    .await?;
    Ok(redirect(&location))
}

/// Deletes a code of `table` with `remove` unless something uses it; either way leaves the
/// message, and answers where to go next (the list, or back to the code's page). `with`: what
/// goes with it ("its 4 stages"), said in the message and recorded in the audit entry.
pub fn delete_unused(
    conn: &mut PgConnection,
    change: &Change,
    table: &SetupTable,
    code: &str,
    with: &str,
    remove: impl FnOnce(&mut PgConnection) -> QueryResult<usize>,
) -> AppResult<String> {
    // A step naming one of its codes at this moment first ([`crate::db::code_locks`]).
    crate::db::code_locks::for_deletion(conn, table.table)?;
    let counts = registry::usages(conn, table, code)?;
    if !counts.is_empty() {
        change.refuse(conn, registry::in_use_message(table, code, &counts))?;
        return Ok(table.code_href(code));
    }
    match guarded(conn, remove)? {
        Ok(_) => {
            let said = if with.is_empty() {
                format!("{} {code} deleted.", table.singular_cap())
            } else {
                format!("{} {code} deleted with {with}.", table.singular_cap())
            };
            change.done(conn, DELETED, &table.subject(code), with, said)?;
            Ok(table.href())
        }
        // Something not in the registry refers to it.
        Err(_) => {
            change.refuse(
                conn,
                format!(
                    "{} {code} is still in use, so it cannot be deleted.",
                    table.singular_cap()
                ),
            )?;
            Ok(table.code_href(code))
        }
    }
}
