//! `/setup/salespeople`: code, name, e-mail and the blocked flag.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use super::codes::delete_unused;
use super::registry::{self, Kind, SetupTable};
use super::support::{
    check_code, check_shown, check_text, deleted_already, is_email, normalize_code, row_now,
    search_terms, shown, Change, ListQuery, Listing, Saving, Taken, PER_PAGE,
};
use crate::auth::{Admin, Role, SignedIn};
use crate::db::schema::salespeople;
use crate::web::AppState;
use crate::web::{db, ok, redirect, unprocessable, AppError, AppResult, FormErrors, Layout};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = salespeople)]
pub struct Salesperson {
    pub code: String,
    pub name: String,
    pub email: String,
    pub blocked: bool,
}

fn table() -> &'static SetupTable {
    registry::of_kind(Kind::Salespeople)
}

// ---------------------------------------------------------------------------------------------
// Queries.

fn matching(q: &str) -> salespeople::BoxedQuery<'static, diesel::pg::Pg> {
    let (q, pattern) = search_terms(q);
    let mut query = salespeople::table.into_boxed();
    if !q.is_empty() {
        query = query.filter(
            crate::db::text::rapport_fold(salespeople::code)
                .like(pattern.clone())
                .or(crate::db::text::rapport_fold(salespeople::name).like(pattern.clone()))
                .or(crate::db::text::rapport_fold(salespeople::email).like(pattern)),
        );
    }
    query
}

pub fn find(conn: &mut PgConnection, code: &str) -> QueryResult<Option<Salesperson>> {
    salespeople::table
        .find(code)
        .select(Salesperson::as_select())
        .first(conn)
        .optional()
}

/// Whether the salesperson `code` is blocked; `None` when there is none of that code.
pub fn blocked(conn: &mut PgConnection, code: &str) -> QueryResult<Option<bool>> {
    salespeople::table
        .find(code)
        .select(salespeople::blocked)
        .first(conn)
        .optional()
}

/// `code` when it names a salesperson that is not blocked: a new record's default (the
/// user's salesperson).
pub fn usable(conn: &mut PgConnection, code: Option<String>) -> QueryResult<Option<String>> {
    Ok(match code {
        Some(c) if blocked(conn, &c)? == Some(false) => Some(c),
        _ => None,
    })
}

/// Checks the salesperson a form names (none when `code` is empty), with the reason under
/// `field`: one that exists and is not blocked (Business Central: a blocked salesperson is
/// not used on new records). `kept`: the record's salesperson as saved, which stays where it
/// is though blocked since, until the record is given another.
pub fn check_chosen(
    conn: &mut PgConnection,
    errors: &mut FormErrors,
    field: &'static str,
    code: &str,
    kept: Option<&str>,
) -> QueryResult<()> {
    if code.is_empty() {
        return Ok(());
    }
    match blocked(conn, code)? {
        None => errors.add(field, format!("There is no salesperson {code}.")),
        Some(true) if kept != Some(code) => errors.add(
            field,
            format!("Salesperson {code} is blocked: choose another."),
        ),
        Some(_) => {}
    }
    Ok(())
}

fn lock(conn: &mut PgConnection, code: &str) -> QueryResult<Option<Salesperson>> {
    salespeople::table
        .find(code)
        .select(Salesperson::as_select())
        .for_update()
        .first(conn)
        .optional()
}

// ---------------------------------------------------------------------------------------------
// The form.

#[derive(Clone, Debug, Default, Deserialize)]
pub struct SalespersonForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    /// The checkbox: present when ticked.
    #[serde(default)]
    pub blocked: Option<String>,
    /// The row as the form showed it ([`super::support::shown`]).
    #[serde(default)]
    pub shown: String,
}

impl SalespersonForm {
    fn from_row(s: Salesperson) -> Self {
        SalespersonForm {
            shown: shown(&s),
            code: s.code,
            name: s.name,
            email: s.email,
            blocked: s.blocked.then(|| "yes".to_string()),
        }
    }

    pub fn cleaned(self) -> Self {
        SalespersonForm {
            code: normalize_code(&self.code),
            name: self.name.trim().to_string(),
            email: self.email.trim().to_string(),
            blocked: self.blocked,
            shown: self.shown,
        }
    }

    pub fn is_blocked(&self) -> bool {
        self.blocked.is_some()
    }

    pub fn validate(&self) -> FormErrors {
        let mut errors = FormErrors::new();
        check_code(&mut errors, "code", &self.code);
        check_text(
            &mut errors,
            "name",
            &self.name,
            100,
            Some("Enter the salesperson's name."),
        );
        check_text(&mut errors, "email", &self.email, 250, None);
        if !self.email.is_empty() && !errors.has("email") && !is_email(&self.email) {
            errors.add(
                "email",
                "Enter an e-mail address like name@example.com, or leave it empty.",
            );
        }
        errors
    }

    fn detail_against(&self, old: &Salesperson) -> String {
        let mut parts = Vec::new();
        if old.code != self.code {
            parts.push(format!("code {} → {}", old.code, self.code));
        }
        if old.name != self.name {
            parts.push(format!("name “{}” → “{}”", old.name, self.name));
        }
        if old.email != self.email {
            parts.push(format!("e-mail “{}” → “{}”", old.email, self.email));
        }
        if old.blocked != self.is_blocked() {
            parts.push(
                if self.is_blocked() {
                    "blocked"
                } else {
                    "unblocked"
                }
                .to_string(),
            );
        }
        parts.join("; ")
    }
}

// ---------------------------------------------------------------------------------------------
// Pages.

#[derive(Template)]
#[template(path = "setup/salespeople.html")]
pub struct SalespeopleListPage {
    pub layout: Layout,
    pub table: &'static SetupTable,
    pub rows: Vec<Salesperson>,
    pub listing: Listing,
    pub can_edit: bool,
}

#[get("/setup/salespeople")]
pub async fn list(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let (rows, listing) = db(&state.pool, move |conn| {
        let total: i64 = matching(&query.q).count().get_result(conn)?;
        let listing = Listing::new(table().href(), &query, total);
        let rows = matching(&listing.q)
            .select(Salesperson::as_select())
            .order(salespeople::code.asc())
            .limit(PER_PAGE)
            .offset(listing.pager.offset())
            .load(conn)?;
        Ok((rows, listing))
    })
    .await?;
    ok(&SalespeopleListPage {
        layout,
        table: table(),
        rows,
        listing,
        can_edit: user.role == Role::Admin,
    })
}

#[derive(Template)]
#[template(path = "setup/salesperson_form.html")]
pub struct SalespersonFormPage {
    pub layout: Layout,
    pub table: &'static SetupTable,
    /// The code as stored; `None` for a new salesperson.
    pub code: Option<String>,
    pub form: SalespersonForm,
    pub errors: FormErrors,
    pub used_by: registry::UsedBy,
    /// Whether the salesperson is blocked as stored (the form shown again after a refusal
    /// holds what was typed, not saved).
    pub blocked: bool,
}

impl SalespersonFormPage {
    pub fn action(&self) -> String {
        match &self.code {
            Some(code) => self.table.code_href(code),
            None => self.table.href(),
        }
    }
}

#[derive(Template)]
#[template(path = "setup/salesperson_show.html")]
pub struct SalespersonShowPage {
    pub layout: Layout,
    pub table: &'static SetupTable,
    pub row: Salesperson,
    pub used_by: registry::UsedBy,
}

#[get("/setup/salespeople/new")]
pub async fn new(_admin: Admin, layout: Layout) -> AppResult<HttpResponse> {
    ok(&SalespersonFormPage {
        layout,
        table: table(),
        code: None,
        form: SalespersonForm::default(),
        errors: FormErrors::new(),
        used_by: registry::UsedBy::default(),
        blocked: false,
    })
}

#[post("/setup/salespeople")]
pub async fn create(
    req: HttpRequest,
    Admin(admin): Admin,
    layout: Layout,
    state: web::Data<AppState>,
    form: web::Form<SalespersonForm>,
) -> AppResult<HttpResponse> {
    let change = Change::new(&req, admin, &state)?;
    let form = form.into_inner().cleaned();
    let f = form.clone();
    let result = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let row = Saving {
                table: table(),
                old_code: None,
                code: &f.code,
                detail: &f.name,
                next: "",
            };
            Ok(change.save(
                conn,
                row,
                f.validate(),
                |c| {
                    Ok(Taken::of(find(c, &f.code)?, |row| {
                        (&row.name, &row.email, row.blocked) == (&f.name, &f.email, f.is_blocked())
                    }))
                },
                |c| {
                    diesel::insert_into(salespeople::table)
                        .values((
                            salespeople::code.eq(&f.code),
                            salespeople::name.eq(&f.name),
                            salespeople::email.eq(&f.email),
                            salespeople::blocked.eq(f.is_blocked()),
                        ))
                        .execute(c)
                },
            )?)
        })
    })
    .await?;
    match result {
        Ok(()) => Ok(redirect(&table().href())),
        Err(errors) => unprocessable(&SalespersonFormPage {
            layout,
            table: table(),
            code: None,
            form,
            errors,
            used_by: registry::UsedBy::default(),
            blocked: false,
        }),
    }
}

#[get("/setup/salespeople/{code}")]
pub async fn show(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let code = path.into_inner();
    let (row, used_by) = db(&state.pool, move |conn| {
        let Some(row) = find(conn, &code)? else {
            return Err(super::support::moved(conn, table(), &code));
        };
        let used_by = registry::used_by(&registry::usages(conn, table(), &row.code)?, &row.code);
        Ok((row, used_by))
    })
    .await?;
    if user.role == Role::Admin {
        ok(&SalespersonFormPage {
            layout,
            table: table(),
            code: Some(row.code.clone()),
            blocked: row.blocked,
            form: SalespersonForm::from_row(row),
            errors: FormErrors::new(),
            used_by,
        })
    } else {
        ok(&SalespersonShowPage {
            layout,
            table: table(),
            row,
            used_by,
        })
    }
}

#[post("/setup/salespeople/{code}")]
pub async fn update(
    req: HttpRequest,
    Admin(admin): Admin,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<SalespersonForm>,
) -> AppResult<HttpResponse> {
    let old_code = path.into_inner();
    let change = Change::new(&req, admin, &state)?;
    let form = form.into_inner().cleaned();
    let f = form.clone();
    let result = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let old = row_now(conn, table(), &old_code, lock)?;
            let detail = f.detail_against(&old);
            let row = Saving {
                table: table(),
                old_code: Some(&old.code),
                code: &f.code,
                detail: &detail,
                next: "",
            };
            let mut errors = f.validate();
            check_shown(
                &mut errors,
                &f.shown,
                &old,
                &format!("salesperson {}", old.code),
                Some(&detail),
            );
            let saved = change.save(
                conn,
                row,
                errors,
                |c| Ok(Taken::of(find(c, &f.code)?, |_| false)),
                |c| {
                    diesel::update(salespeople::table.find(&old.code))
                        .set((
                            salespeople::code.eq(&f.code),
                            salespeople::name.eq(&f.name),
                            salespeople::email.eq(&f.email),
                            salespeople::blocked.eq(f.is_blocked()),
                        ))
                        .execute(c)
                },
            )?;
            let Err(errors) = saved else {
                return Ok(Ok(()));
            };
            let used_by =
                registry::used_by(&registry::usages(conn, table(), &old.code)?, &old.code);
            let now = shown(&old);
            Ok(Err((old.code, errors, used_by, now, old.blocked)))
        })
    })
    .await?;
    match result {
        Ok(()) => Ok(redirect(&table().href())),
        // Shown again over the row as it is now: saved again, the form replaces it.
        Err((code, errors, used_by, now, blocked)) => unprocessable(&SalespersonFormPage {
            layout,
            table: table(),
            code: Some(code),
            form: SalespersonForm { shown: now, ..form },
            errors,
            used_by,
            blocked,
        }),
    }
}

#[post("/setup/salespeople/{code}/delete")]
pub async fn delete(
    req: HttpRequest,
    Admin(admin): Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let code = path.into_inner();
    let change = Change::new(&req, admin, &state)?;
    let location = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let Some(row) = lock(conn, &code)? else {
                return deleted_already(conn, &change, table(), &code);
            };
            delete_unused(conn, &change, table(), &row.code, "", |c| {
                diesel::delete(salespeople::table.find(&row.code)).execute(c)
            })
        })
    })
    .await?;
    Ok(redirect(&location))
}
