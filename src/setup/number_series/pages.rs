//! The number series pages: the list, a series' page and its change.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;

use super::*;
use crate::auth::{Admin, Role, SignedIn};
use crate::web::AppState;
use crate::web::{db, ok, redirect, unprocessable, AppError, AppResult, Layout};

fn table() -> &'static SetupTable {
    registry::of_kind(Kind::NumberSeries)
}

fn series_href(code: &str) -> String {
    table().code_href(code)
}

#[derive(Template)]
#[template(path = "setup/number_series.html")]
pub struct SeriesListPage {
    pub layout: Layout,
    pub table: &'static SetupTable,
    /// Each series with the number its next new record gets ([`next_free`]).
    pub rows: Vec<(NumberSeries, String)>,
    pub can_edit: bool,
}

#[get("/setup/number-series")]
pub async fn list_page(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let rows = db(&state.pool, |conn| {
        let mut rows = Vec::new();
        for s in list(conn)? {
            let next = next_free(conn, &s)?;
            rows.push((s, next));
        }
        Ok(rows)
    })
    .await?;
    ok(&SeriesListPage {
        layout,
        table: table(),
        rows,
        can_edit: user.role == Role::Admin,
    })
}

#[derive(Template)]
#[template(path = "setup/number_series_edit.html")]
pub struct SeriesEditPage {
    pub layout: Layout,
    pub table: &'static SetupTable,
    pub series: NumberSeries,
    /// The number its next new record gets ([`next_free`]).
    pub next: String,
    pub form: SeriesForm,
    pub errors: FormErrors,
    pub can_edit: bool,
}

impl SeriesEditPage {
    pub fn action(&self) -> String {
        series_href(&self.series.code)
    }
}

#[get("/setup/number-series/{code}")]
pub async fn show(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let code = path.into_inner();
    let (series, next) = db(&state.pool, move |conn| {
        let series = find(conn, &code)?.ok_or(AppError::NotFound)?;
        let next = next_free(conn, &series)?;
        Ok((series, next))
    })
    .await?;
    ok(&SeriesEditPage {
        layout,
        table: table(),
        form: SeriesForm::from_row(&series),
        series,
        next,
        errors: FormErrors::new(),
        can_edit: user.role == Role::Admin,
    })
}

#[post("/setup/number-series/{code}")]
pub async fn update(
    req: HttpRequest,
    Admin(admin): Admin,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<SeriesForm>,
) -> AppResult<HttpResponse> {
    let code = path.into_inner();
    let change = Change::new(&req, admin, &state)?;
    let form = form.into_inner().cleaned();
    let f = form.clone();
    let result = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let old: NumberSeries = number_series::table
                .find(&code)
                .select(NumberSeries::as_select())
                .for_update()
                .first(conn)
                .optional()?
                .ok_or(AppError::NotFound)?;
            let mut stale = FormErrors::new();
            let what = format!("number series {}", old.code);
            // Saved meanwhile as typed here (the form sent twice, a double click): nothing
            // to refuse.
            let parsed = f.parse().ok();
            let same = parsed.as_ref().is_some_and(|c| {
                (c.description.as_str(), c.prefix.as_str(), c.width) == shown_part(&old)
            });
            check_shown(
                &mut stale,
                &f.shown,
                &shown_part(&old),
                &what,
                same.then_some(""),
            );
            if !stale.is_empty() {
                // The description, prefix or width changed: the form again over them.
                let current = old_next(&old);
                return Ok(Err((old, stale, Some(current))));
            }
            let changes = match f.parse() {
                Ok(c) => c,
                Err(errors) => return Ok(Err((old, errors, None))),
            };
            let seen = f.current_next.parse::<i64>().ok();
            let touched = f.next_touched();
            let mut errors = FormErrors::new();
            if touched
                && seen.is_some()
                && seen != Some(old.next_number)
                && changes.next_number != old.next_number
            {
                errors.add(
                    "next_number",
                    format!(
                        "Meanwhile this series' next number changed to {} (numbers were \
                         taken from it, or another administrator set it). Check the number \
                         and save again.",
                        old.next_number
                    ),
                );
                let current = old_next(&old);
                return Ok(Err((old, errors, Some(current))));
            }
            let next_number = if touched {
                changes.next_number
            } else {
                old.next_number
            };
            // The next number untouched may be past the width by use, but the width is not
            // narrowed below it, and the number it gives fits (prefix and digits).
            let digits = next_number.to_string().len();
            if !touched && changes.width != old.width && digits > changes.width as usize {
                errors.add(
                    "width",
                    format!(
                        "The next number, {next_number}, has {digits} digits: the width cannot \
                         be less."
                    ),
                );
                return Ok(Err((old, errors, None)));
            }
            let number = format(&changes.prefix, changes.width, next_number);
            if number.chars().count() > NUMBER_MAX {
                errors.add(
                    if changes.prefix != old.prefix {
                        "prefix"
                    } else {
                        "width"
                    },
                    format!(
                        "The next number would be {number}, {} characters long; at most \
                         {NUMBER_MAX} fit. Shorten the prefix.",
                        number.chars().count()
                    ),
                );
                return Ok(Err((old, errors, None)));
            }
            // Whatever changed (prefix, width or next number), the next record must not get
            // a number that one already has.
            if number != old.example() {
                if let Some(taken) = taken_by(conn, &old.code, &changes, next_number)? {
                    let field = if touched {
                        "next_number"
                    } else if changes.prefix != old.prefix {
                        "prefix"
                    } else {
                        "width"
                    };
                    errors.add(field, taken);
                    return Ok(Err((old, errors, None)));
                }
            }
            let mut detail = Vec::new();
            if old.description != changes.description {
                detail.push(format!(
                    "description “{}” → “{}”",
                    old.description, changes.description
                ));
            }
            if old.prefix != changes.prefix {
                detail.push(format!("prefix “{}” → “{}”", old.prefix, changes.prefix));
            }
            if old.width != changes.width {
                detail.push(format!("width {} → {}", old.width, changes.width));
            }
            if old.next_number != next_number {
                detail.push(format!("next number {} → {next_number}", old.next_number));
            }
            if detail.is_empty() {
                change.unchanged(conn)?;
                return Ok(Ok(()));
            }
            diesel::update(number_series::table.find(&old.code))
                .set((
                    number_series::description.eq(&changes.description),
                    number_series::prefix.eq(&changes.prefix),
                    number_series::width.eq(changes.width),
                    number_series::next_number.eq(next_number),
                ))
                .execute(conn)?;
            // The number a new record takes: the first free from the next (an import may
            // have taken it), as the list says; it named a number already taken.
            let saved = NumberSeries {
                description: changes.description.clone(),
                prefix: changes.prefix.clone(),
                width: changes.width,
                next_number,
                ..old.clone()
            };
            let next = crate::setup::number_series::next_free(conn, &saved)?;
            change.done(
                conn,
                CHANGED,
                &table().subject(&old.code),
                &detail.join("; "),
                format!(
                    "Number series {} saved; the next number is {next}.",
                    old.code
                ),
            )?;
            Ok(Ok(()))
        })
    })
    .await?;
    match result {
        Ok(()) => Ok(redirect(&table().href())),
        Err((series, errors, current_next)) => {
            let mut form = form;
            if let Some(current) = current_next {
                // A next number the form showed untouched shows the series' current one: sent
                // again, it was taken for typed, and set the series back.
                if !form.next_touched() {
                    form.next_number = current.clone();
                }
                form.current_next = current;
            }
            // Saved again, the form replaces the series as it is now.
            form.shown = shown_of(&series);
            let s = series.clone();
            let next = db(&state.pool, move |conn| Ok(next_free(conn, &s)?)).await?;
            unprocessable(&SeriesEditPage {
                layout,
                table: table(),
                series,
                next,
                form,
                errors,
                can_edit: true,
            })
        }
    }
}

fn old_next(s: &NumberSeries) -> String {
    s.next_number.to_string()
}
