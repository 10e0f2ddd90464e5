//! A line's own interaction fields (overrides of the header).

use actix_web::{get, http::StatusCode, post, web, HttpRequest, HttpResponse};
use askama::Template;
use bigdecimal::BigDecimal;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use serde::Deserialize;

use super::model::{self, Segment};

use crate::auth::{session, Role, SignedIn, Staff};
use crate::db::schema::segment_lines;
use crate::setup::{self, CodeOption};
use crate::web::{db, ok, redirect, render, AppError, AppResult, Flash, FormErrors, Layout};
use crate::AppState;

/// A line's overrides: empty means "as on the header".
#[derive(Clone, Debug, Default, Deserialize)]
pub struct LineForm {
    #[serde(default)]
    pub salesperson_code: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub interaction_template_code: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub correspondence_type: String,
    #[serde(default)]
    pub unit_cost: String,
    #[serde(default)]
    pub unit_duration_min: String,
    #[serde(default)]
    pub evaluation: String,
}

#[derive(AsChangeset)]
#[diesel(table_name = segment_lines, treat_none_as_null = true)]
struct LineValues {
    salesperson_code: Option<String>,
    date: Option<chrono::NaiveDate>,
    interaction_template_code: Option<String>,
    subject: Option<String>,
    correspondence_type: Option<String>,
    unit_cost: Option<BigDecimal>,
    unit_duration_min: Option<i32>,
    evaluation: Option<String>,
}

pub const EVALUATIONS: [(&str, &str); 5] = [
    ("very_positive", "Very Positive"),
    ("positive", "Positive"),
    ("neutral", "Neutral"),
    ("negative", "Negative"),
    ("very_negative", "Very Negative"),
];

fn some(s: &str) -> Option<String> {
    (!s.trim().is_empty()).then(|| s.trim().to_string())
}

impl LineForm {
    fn validate(&self, conn: &mut PgConnection) -> QueryResult<Result<LineValues, FormErrors>> {
        let mut errors = FormErrors::new();
        let salesperson = some(&self.salesperson_code).map(|s| s.to_uppercase());
        if let Some(code) = &salesperson {
            if !setup::code_exists(conn, "salespeople", code)? {
                errors.add(
                    "salesperson_code",
                    format!("There is no salesperson {code}."),
                );
            }
        }
        let template = some(&self.interaction_template_code).map(|s| s.to_uppercase());
        if let Some(code) = &template {
            if model::template(conn, code)?.is_none() {
                errors.add(
                    "interaction_template_code",
                    format!("There is no interaction template {code}."),
                );
            }
        }
        let date = match some(&self.date) {
            None => None,
            Some(d) => match chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.add("date", "Enter a date as YYYY-MM-DD, or leave it empty.");
                    None
                }
            },
        };
        let cost = match some(&self.unit_cost) {
            None => None,
            Some(c) => match model::parse_amount(&c) {
                Some(v) => Some(v),
                None => {
                    errors.add(
                        "unit_cost",
                        "Enter an amount of 0 or more and below 10,000,000,000, or leave it empty.",
                    );
                    None
                }
            },
        };
        let duration = match some(&self.unit_duration_min) {
            None => None,
            Some(d) => match d.parse::<i32>() {
                Ok(v) if v >= 0 => Some(v),
                _ => {
                    errors.add(
                        "unit_duration_min",
                        "Enter whole minutes, or leave it empty.",
                    );
                    None
                }
            },
        };
        let correspondence = match self.correspondence_type.trim() {
            "" => None,
            v @ ("none" | "hard_copy" | "email") => Some(if v == "none" {
                String::new()
            } else {
                v.to_string()
            }),
            _ => {
                errors.add("correspondence_type", "Choose a correspondence type.");
                None
            }
        };
        let evaluation = some(&self.evaluation);
        if let Some(e) = &evaluation {
            if !EVALUATIONS.iter().any(|(v, _)| v == e) {
                errors.add("evaluation", "Choose an evaluation.");
            }
        }
        let subject = some(&self.subject);
        if subject.as_ref().is_some_and(|s| s.chars().count() > 100) {
            errors.add("subject", "Use at most 100 characters.");
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        Ok(Ok(LineValues {
            salesperson_code: salesperson,
            date,
            interaction_template_code: template,
            subject,
            correspondence_type: correspondence,
            unit_cost: cost,
            unit_duration_min: duration,
            evaluation,
        }))
    }
}

#[derive(QueryableByName)]
struct LineData {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    label: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    salesperson_code: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    date: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    interaction_template_code: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    subject: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    correspondence_type: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    unit_cost: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    unit_duration_min: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    evaluation: Option<String>,
}

fn load_line(conn: &mut PgConnection, segment: &Segment, id: i64) -> QueryResult<Option<LineData>> {
    diesel::sql_query(
        "SELECT l.id, c.no || ' ' || c.name AS label, l.salesperson_code::text AS salesperson_code, \
           to_char(l.date, 'YYYY-MM-DD') AS date, l.interaction_template_code::text AS interaction_template_code, \
           l.subject, CASE WHEN l.correspondence_type = '' THEN 'none' ELSE l.correspondence_type END AS correspondence_type, \
           l.unit_cost::text AS unit_cost, l.unit_duration_min::text AS unit_duration_min, l.evaluation \
         FROM segment_lines l JOIN contacts c ON c.id = l.contact_id \
         WHERE l.id = $1 AND l.segment_id = $2 AND l.removed_by_step IS NULL",
    )
    .bind::<BigInt, _>(id)
    .bind::<BigInt, _>(segment.id)
    .get_result(conn)
    .optional()
}

#[derive(Template)]
#[template(path = "segments/line.html")]
pub struct LinePage {
    pub layout: Layout,
    pub segment: Segment,
    pub line_id: i64,
    pub label: String,
    pub form: LineForm,
    pub errors: FormErrors,
    pub salespeople: Vec<CodeOption>,
    pub templates: Vec<model::Template>,
    pub evaluations: [(&'static str, &'static str); 5],
    pub editable: bool,
}

async fn line_page(
    state: &AppState,
    layout: Layout,
    no: String,
    line: String,
    can_edit: bool,
) -> AppResult<LinePage> {
    let id: i64 = line.parse().map_err(|_| AppError::NotFound)?;
    db(&state.pool, move |conn| {
        let segment = model::find_by_no(conn, &no)?.ok_or(AppError::NotFound)?;
        let data = load_line(conn, &segment, id)?.ok_or(AppError::NotFound)?;
        let form = LineForm {
            salesperson_code: data.salesperson_code.unwrap_or_default(),
            date: data.date.unwrap_or_default(),
            interaction_template_code: data.interaction_template_code.unwrap_or_default(),
            subject: data.subject.unwrap_or_default(),
            correspondence_type: data.correspondence_type.unwrap_or_default(),
            unit_cost: data.unit_cost.unwrap_or_default(),
            unit_duration_min: data.unit_duration_min.unwrap_or_default(),
            evaluation: data.evaluation.unwrap_or_default(),
        };
        Ok(LinePage {
            layout,
            editable: can_edit && segment.is_draft(),
            segment,
            line_id: data.id,
            label: data.label,
            form,
            errors: FormErrors::new(),
            salespeople: setup::options(conn, "salespeople")?,
            templates: model::templates(conn)?,
            evaluations: EVALUATIONS,
        })
    })
    .await
}

#[get("/segments/{no}/lines/{line}")]
pub async fn show(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (no, line) = path.into_inner();
    ok(&line_page(&state, layout, no, line, user.role >= Role::Staff).await?)
}

#[post("/segments/{no}/lines/{line}")]
pub async fn update(
    req: HttpRequest,
    _staff: Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<LineForm>,
) -> AppResult<HttpResponse> {
    let (no, line) = path.into_inner();
    let form = form.into_inner();
    let session = session::current(&req)?;
    let id: i64 = line.parse().map_err(|_| AppError::NotFound)?;
    let f = form.clone();
    let n = no.clone();
    let result = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let segment = model::lock(conn, &n)?.ok_or(AppError::NotFound)?;
            if !segment.is_draft() {
                return Err(AppError::Forbidden);
            }
            let data = load_line(conn, &segment, id)?.ok_or(AppError::NotFound)?;
            match f.validate(conn)? {
                Ok(values) => {
                    diesel::update(segment_lines::table.find(id))
                        .set(&values)
                        .execute(conn)?;
                    session::set_flash(
                        conn,
                        &session,
                        Flash::success(format!("Line {} saved.", data.label)),
                    )?;
                    Ok(Ok(segment.no))
                }
                Err(errors) => Ok(Err(errors)),
            }
        })
    })
    .await?;
    match result {
        Ok(no) => Ok(redirect(&format!("/segments/{no}#lines"))),
        Err(errors) => {
            let mut page = line_page(&state, layout, no, line, true).await?;
            page.form = form;
            page.errors = errors;
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}
