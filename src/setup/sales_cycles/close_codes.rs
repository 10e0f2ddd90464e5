//! `/setup/close-opportunity-codes`: why an opportunity was won or lost (code, Won or Lost,
//! description). One page lists them with a form to add one; each code has a page to change or
//! delete it. A code that closed an opportunity cannot be deleted.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use crate::auth::{Admin, Role, SignedIn};
use crate::db::schema::close_opportunity_codes;
use crate::setup::codes::delete_unused;
use crate::setup::registry::{self, Kind, SetupTable};
use crate::setup::support::{
    check_code, check_shown, check_text, deleted_already, normalize_code, row_now, shown, Change,
    Saving, Taken, DESCRIPTION_MAX,
};
use crate::web::AppState;
use crate::web::{db, ok, redirect, unprocessable, AppError, AppResult, FormErrors, Layout};

fn table() -> &'static SetupTable {
    registry::of_kind(Kind::CloseCodes)
}

/// Won or Lost, as stored.
pub const KINDS: [(&str, &str); 2] = [("won", "Won"), ("lost", "Lost")];

pub fn kind_label(kind: &str) -> &'static str {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("", |(_, label)| label)
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = close_opportunity_codes)]
pub struct CloseCode {
    pub code: String,
    pub kind: String,
    pub description: String,
}

impl CloseCode {
    pub fn kind_label(&self) -> &'static str {
        kind_label(&self.kind)
    }

    pub fn href(&self) -> String {
        table().code_href(&self.code)
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct CloseCodeForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub description: String,
    /// The row as the form showed it ([`crate::setup::support::shown`]).
    #[serde(default)]
    pub shown: String,
}

impl CloseCodeForm {
    pub fn validate(&self) -> Result<CloseCode, FormErrors> {
        let mut errors = FormErrors::new();
        let code = normalize_code(&self.code);
        check_code(&mut errors, "code", &code);
        if !KINDS.iter().any(|(k, _)| *k == self.kind) {
            errors.add("kind", "Choose Won or Lost.");
        }
        let description = self.description.trim().to_string();
        check_text(
            &mut errors,
            "description",
            &description,
            DESCRIPTION_MAX,
            Some("Enter a description, e.g. Price too high."),
        );
        if errors.is_empty() {
            Ok(CloseCode {
                code,
                kind: self.kind.clone(),
                description,
            })
        } else {
            Err(errors)
        }
    }
}

fn find(conn: &mut PgConnection, code: &str) -> QueryResult<Option<CloseCode>> {
    close_opportunity_codes::table
        .find(code)
        .select(CloseCode::as_select())
        .first(conn)
        .optional()
}

#[derive(Template)]
#[template(path = "setup/close_codes.html")]
pub struct CloseCodesPage {
    pub layout: Layout,
    pub table: &'static SetupTable,
    pub rows: Vec<CloseCode>,
    pub form: CloseCodeForm,
    pub errors: FormErrors,
    pub kinds: [(&'static str, &'static str); 2],
    pub can_edit: bool,
}

#[get("/setup/close-opportunity-codes")]
pub async fn list(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let rows = db(&state.pool, |conn| Ok(super::close_codes(conn)?)).await?;
    ok(&CloseCodesPage {
        layout,
        table: table(),
        rows,
        form: CloseCodeForm {
            kind: "won".into(),
            ..Default::default()
        },
        errors: FormErrors::new(),
        kinds: KINDS,
        can_edit: user.role == Role::Admin,
    })
}

#[post("/setup/close-opportunity-codes")]
pub async fn create(
    req: HttpRequest,
    Admin(admin): Admin,
    layout: Layout,
    state: web::Data<AppState>,
    form: web::Form<CloseCodeForm>,
) -> AppResult<HttpResponse> {
    let change = Change::new(&req, admin, &state)?;
    let form = form.into_inner();
    let f = form.clone();
    let result = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let (values, errors) = match f.validate() {
                Ok(v) => (Some(v), FormErrors::new()),
                Err(e) => (None, e),
            };
            let code = values.as_ref().map_or(String::new(), |v| v.code.clone());
            let detail = values.as_ref().map_or(String::new(), |v| {
                format!("{}: {}", v.kind_label(), v.description)
            });
            let saved = change.save(
                conn,
                Saving {
                    table: table(),
                    old_code: None,
                    code: &code,
                    detail: &detail,
                    next: "",
                },
                errors,
                |c| {
                    Ok(Taken::of(find(c, &code)?, |row| {
                        values.as_ref() == Some(row)
                    }))
                },
                |c| match &values {
                    Some(v) => diesel::insert_into(close_opportunity_codes::table)
                        .values(v)
                        .execute(c),
                    None => Ok(0),
                },
            )?;
            match saved {
                Ok(()) => Ok(Ok(())),
                Err(errors) => Ok(Err((errors, super::close_codes(conn)?))),
            }
        })
    })
    .await?;
    match result {
        Ok(()) => Ok(redirect(&table().href())),
        Err((errors, rows)) => unprocessable(&CloseCodesPage {
            layout,
            table: table(),
            rows,
            form,
            errors,
            kinds: KINDS,
            can_edit: true,
        }),
    }
}

#[derive(Template)]
#[template(path = "setup/close_code.html")]
pub struct CloseCodePage {
    pub layout: Layout,
    pub table: &'static SetupTable,
    pub row: CloseCode,
    pub form: CloseCodeForm,
    pub errors: FormErrors,
    pub kinds: [(&'static str, &'static str); 2],
    pub used_by: registry::UsedBy,
    pub can_edit: bool,
}

fn load(conn: &mut PgConnection, code: &str) -> AppResult<(CloseCode, registry::UsedBy)> {
    let Some(row) = find(conn, code)? else {
        return Err(crate::setup::support::moved(conn, table(), code));
    };
    let used_by = registry::used_by(&registry::usages(conn, table(), &row.code)?, &row.code);
    Ok((row, used_by))
}

fn page(
    layout: Layout,
    row: CloseCode,
    used_by: registry::UsedBy,
    can_edit: bool,
) -> CloseCodePage {
    CloseCodePage {
        layout,
        table: table(),
        form: CloseCodeForm {
            code: row.code.clone(),
            kind: row.kind.clone(),
            description: row.description.clone(),
            shown: shown(&row),
        },
        row,
        errors: FormErrors::new(),
        kinds: KINDS,
        used_by,
        can_edit,
    }
}

#[get("/setup/close-opportunity-codes/{code}")]
pub async fn show(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let code = path.into_inner();
    let (row, used_by) = db(&state.pool, move |conn| load(conn, &code)).await?;
    ok(&page(layout, row, used_by, user.role == Role::Admin))
}

#[post("/setup/close-opportunity-codes/{code}")]
pub async fn update(
    req: HttpRequest,
    Admin(admin): Admin,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<CloseCodeForm>,
) -> AppResult<HttpResponse> {
    let old_code = path.into_inner();
    let change = Change::new(&req, admin, &state)?;
    let form = form.into_inner();
    let f = form.clone();
    let result = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            // Locked: a colleague's save waits, and this one sees it.
            let old_code = row_now(conn, table(), &old_code, |c, code| {
                close_opportunity_codes::table
                    .find(code)
                    .select(close_opportunity_codes::code)
                    .for_update()
                    .first::<String>(c)
                    .optional()
            })?;
            let (old, used_by) = load(conn, &old_code)?;
            let (values, errors) = match f.validate() {
                Ok(v) => (Some(v), FormErrors::new()),
                Err(e) => (None, e),
            };
            // A code that closed opportunities keeps its kind: a won deal stays won.
            let mut errors = errors;
            let what = format!("close opportunity code {}", old.code);
            if let Some(v) = &values {
                if v.kind != old.kind && !used_by.is_empty() {
                    errors.add(
                        "kind",
                        format!(
                            "It is used by {used_by} as {}: its kind cannot change.",
                            old.kind_label()
                        ),
                    );
                }
            }
            let code = values.as_ref().map_or(old.code.clone(), |v| v.code.clone());
            let detail = match &values {
                Some(v)
                    if v.code != old.code
                        || v.kind != old.kind
                        || v.description != old.description =>
                {
                    let now = format!("{} {}: {}", v.code, v.kind_label(), v.description);
                    if v.code == old.code {
                        now
                    } else {
                        // Said as every setup rename is, so that a form still open on the
                        // old code finds it ([`crate::setup::support::since`]).
                        format!("code {} → {}; {now}", old.code, v.code)
                    }
                }
                _ => String::new(),
            };
            // What saving would change, where the form is valid: nothing (the form sent twice,
            // a double click) is not refused as a colleague's save.
            let would_change = values.as_ref().map(|_| detail.as_str());
            check_shown(&mut errors, &f.shown, &old, &what, would_change);
            let saved = change.save(
                conn,
                Saving {
                    table: table(),
                    old_code: Some(&old.code),
                    code: &code,
                    detail: &detail,
                    next: "",
                },
                errors,
                |c| Ok(Taken::of(find(c, &code)?, |_| false)),
                |c| match &values {
                    Some(v) => diesel::update(close_opportunity_codes::table.find(&old.code))
                        .set(v)
                        .execute(c),
                    None => Ok(0),
                },
            )?;
            match saved {
                Ok(()) => Ok(Ok(())),
                Err(errors) => Ok(Err((errors, old, used_by))),
            }
        })
    })
    .await?;
    match result {
        Ok(()) => Ok(redirect(&table().href())),
        // Shown again over the row as it is now: saved again, the form replaces it.
        Err((errors, row, used_by)) => {
            let mut p = page(layout, row, used_by, true);
            p.form = CloseCodeForm {
                shown: p.form.shown,
                ..form
            };
            p.errors = errors;
            unprocessable(&p)
        }
    }
}

#[post("/setup/close-opportunity-codes/{code}/delete")]
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
            // Locked, as every setup row's delete: a rename meanwhile is waited for and seen
            // (the delete then found no row, and said the code was deleted).
            let locked = close_opportunity_codes::table
                .find(&code)
                .select(close_opportunity_codes::code)
                .for_update()
                .first::<String>(conn)
                .optional()?;
            let Some(row) = locked.map(|_| find(conn, &code)).transpose()?.flatten() else {
                return deleted_already(conn, &change, table(), &code);
            };
            delete_unused(conn, &change, table(), &row.code, "", |c| {
                diesel::delete(close_opportunity_codes::table.find(&row.code)).execute(c)
            })
        })
    })
    .await?;
    Ok(redirect(&location))
}
