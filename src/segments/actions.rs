//! More segment actions: Save Criteria and the saved criteria pages, Reuse Criteria, Reuse
//! Segment, and the lines' export.

use actix_web::{get, http::StatusCode, post, web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Text};
use serde::Deserialize;

use super::criteria::Criteria;
use super::handlers::{respond, run_step, ActionForms, ActionOutcome};
use super::model;
use super::steps::{self, Source, Step};
use crate::auth::{client_ip, session, Role, SignedIn, Staff};
use crate::db::schema::{saved_criteria, saved_criteria_steps};
use crate::web::csv::{self, CsvBuffer};
use crate::web::{db, ok, redirect, render, AppError, AppResult, Flash, Layout};
use crate::AppState;

/// A saved step, shaped like a ledger step so it reads as the same sentence.
fn as_step(seq: i32, kind: String, criteria: serde_json::Value) -> Step {
    Step {
        seq,
        kind,
        criteria,
        added: 0,
        removed: 0,
        skipped_excluded: 0,
        skipped_blocked: 0,
        skipped_existing: 0,
        user_name: String::new(),
        created_at: chrono::Utc::now(),
    }
}

/// A saved step as words, without counts: "Add Contacts: industry group RETAIL (expand
/// companies)".
pub fn saved_sentence(kind: &str, criteria: &serde_json::Value) -> String {
    let step = as_step(0, kind.to_string(), criteria.clone());
    let c = step.criteria();
    let options = c.describe_options(kind);
    let with = if options.is_empty() {
        String::new()
    } else {
        format!(" ({})", options.join(", "))
    };
    format!("{}: {}{with}", step.title(), c.describe())
}

fn code_problem(code: &str) -> Option<&'static str> {
    if code.is_empty() {
        Some("Enter a code.")
    } else if code.chars().count() > 20 {
        Some("Use at most 20 characters.")
    } else if code.chars().any(char::is_whitespace) {
        Some("A code has no spaces.")
    } else {
        None
    }
}

#[derive(Deserialize)]
pub struct SaveForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    description: String,
}

/// Save Criteria: the ledger's filter steps, under a code, for everyone.
#[post("/segments/{no}/save-criteria")]
pub async fn save_criteria(
    req: HttpRequest,
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<SaveForm>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let form = form.into_inner();
    let session = session::current(&req)?;
    let here = no.clone();
    let outcome = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let segment = model::find_by_no(conn, &no)?.ok_or(AppError::NotFound)?;
            let code = form.code.trim().to_uppercase();
            let description: String = form.description.trim().chars().take(100).collect();
            let actions = ActionForms {
                save_code: form.code.trim().to_string(),
                save_description: form.description.trim().to_string(),
                ..Default::default()
            };
            let filter_steps: Vec<Step> = steps::ledger(conn, segment.id)?
                .into_iter()
                .filter(Step::is_filter_step)
                .collect();
            let taken: bool = diesel::select(diesel::dsl::exists(
                saved_criteria::table.filter(saved_criteria::code.eq(&code)),
            ))
            .get_result(conn)?;
            if let Some(problem) = code_problem(&code) {
                return Ok(actions.refused("save-code", problem));
            }
            if filter_steps.is_empty() {
                return Ok(actions.refused(
                    "save-code",
                    "The segment has no Add, Reduce or Refine step to save.",
                ));
            }
            if taken {
                return Ok(actions.refused(
                    "save-code",
                    format!("The code {code} is already used. Choose another."),
                ));
            }
            let flash = {
                diesel::insert_into(saved_criteria::table)
                    .values((
                        saved_criteria::code.eq(&code),
                        saved_criteria::description.eq(&description),
                        saved_criteria::created_by.eq(user.id),
                    ))
                    .execute(conn)?;
                let rows: Vec<_> = filter_steps
                    .iter()
                    .enumerate()
                    .map(|(i, s)| {
                        (
                            saved_criteria_steps::code.eq(code.clone()),
                            saved_criteria_steps::seq.eq(i as i32 + 1),
                            saved_criteria_steps::kind.eq(s.kind.clone()),
                            saved_criteria_steps::criteria.eq(s.criteria.clone()),
                        )
                    })
                    .collect();
                diesel::insert_into(saved_criteria_steps::table)
                    .values(rows)
                    .execute(conn)?;
                Flash::success(format!(
                    "Criteria saved as {code} ({} step{}).",
                    filter_steps.len(),
                    if filter_steps.len() == 1 { "" } else { "s" }
                ))
            };
            session::set_flash(conn, &session, flash)?;
            Ok(ActionOutcome::Done(format!("/segments/{}", segment.no)))
        })
    })
    .await?;
    respond(&state, layout, here, outcome).await
}

/// One saved criteria with its steps as sentences.
pub struct Saved {
    pub code: String,
    pub description: String,
    pub steps: Vec<String>,
}

fn load_saved(conn: &mut PgConnection, only: Option<&str>) -> QueryResult<Vec<Saved>> {
    let mut heads = saved_criteria::table
        .order(saved_criteria::code)
        .into_boxed();
    if let Some(code) = only {
        heads = heads.filter(saved_criteria::code.eq(code.to_string()));
    }
    let heads: Vec<(String, String)> = heads
        .select((saved_criteria::code, saved_criteria::description))
        .load(conn)?;
    let codes: Vec<String> = heads.iter().map(|(c, _)| c.clone()).collect();
    let steps: Vec<(String, String, serde_json::Value)> = saved_criteria_steps::table
        .filter(saved_criteria_steps::code.eq_any(&codes))
        .order((saved_criteria_steps::code, saved_criteria_steps::seq))
        .select((
            saved_criteria_steps::code,
            saved_criteria_steps::kind,
            saved_criteria_steps::criteria,
        ))
        .load(conn)?;
    Ok(heads
        .into_iter()
        .map(|(code, description)| Saved {
            steps: steps
                .iter()
                .filter(|(c, _, _)| *c == code)
                .map(|(_, kind, criteria)| saved_sentence(kind, criteria))
                .collect(),
            code,
            description,
        })
        .collect())
}

#[derive(Template)]
#[template(path = "segments/saved_criteria.html")]
pub struct SavedPage {
    pub layout: Layout,
    pub saved: Vec<Saved>,
    pub can_edit: bool,
    /// A refused rename: shown again next to its criteria, as typed (status 422).
    pub refused: Option<RefusedRename>,
}

pub struct RefusedRename {
    pub code: String,
    pub new_code: String,
    pub description: String,
    pub message: String,
}

impl SavedPage {
    fn refused_for(&self, s: &Saved) -> Option<&RefusedRename> {
        self.refused.as_ref().filter(|r| r.code == s.code)
    }

    pub fn typed_code<'a>(&'a self, s: &'a Saved) -> &'a str {
        self.refused_for(s).map_or(&s.code, |r| &r.new_code)
    }

    pub fn typed_description<'a>(&'a self, s: &'a Saved) -> &'a str {
        self.refused_for(s)
            .map_or(&s.description, |r| &r.description)
    }

    pub fn error_for(&self, s: &Saved) -> Option<&str> {
        self.refused_for(s).map(|r| r.message.as_str())
    }
}

#[get("/saved-criteria")]
pub async fn saved_list(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let saved = db(&state.pool, |conn| Ok(load_saved(conn, None)?)).await?;
    ok(&SavedPage {
        layout,
        saved,
        can_edit: user.role >= Role::Staff,
        refused: None,
    })
}

#[derive(Deserialize)]
pub struct RenameForm {
    #[serde(default)]
    new_code: String,
    #[serde(default)]
    description: String,
}

/// Renames saved criteria (new code and description).
#[post("/saved-criteria/{code}")]
pub async fn saved_rename(
    req: HttpRequest,
    _staff: Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<RenameForm>,
) -> AppResult<HttpResponse> {
    let code = path.into_inner().to_uppercase();
    let form = form.into_inner();
    let session = session::current(&req)?;
    let refused = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let new_code = form.new_code.trim().to_uppercase();
            let new_code = if new_code.is_empty() {
                code.clone()
            } else {
                new_code
            };
            let description: String = form.description.trim().chars().take(100).collect();
            let exists: bool = diesel::select(diesel::dsl::exists(
                saved_criteria::table.filter(saved_criteria::code.eq(&code)),
            ))
            .get_result(conn)?;
            if !exists {
                return Err(AppError::NotFound);
            }
            let taken: bool = new_code != code
                && diesel::select(diesel::dsl::exists(
                    saved_criteria::table.filter(saved_criteria::code.eq(&new_code)),
                ))
                .get_result(conn)?;
            let problem = match code_problem(&new_code) {
                Some(problem) => Some(problem.to_string()),
                None if taken => Some(format!("The code {new_code} is already used.")),
                None => None,
            };
            if let Some(message) = problem {
                return Ok(Some(RefusedRename {
                    code,
                    new_code: form.new_code.trim().to_string(),
                    description: form.description.trim().to_string(),
                    message,
                }));
            }
            diesel::update(saved_criteria::table.find(&code))
                .set((
                    saved_criteria::code.eq(&new_code),
                    saved_criteria::description.eq(&description),
                ))
                .execute(conn)?;
            session::set_flash(
                conn,
                &session,
                Flash::success(format!("Saved criteria {new_code} saved.")),
            )?;
            Ok(None)
        })
    })
    .await?;
    let Some(refused) = refused else {
        return Ok(redirect("/saved-criteria"));
    };
    let saved = db(&state.pool, |conn| Ok(load_saved(conn, None)?)).await?;
    render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &SavedPage {
            layout,
            saved,
            can_edit: true,
            refused: Some(refused),
        },
    )
}

#[post("/saved-criteria/{code}/delete")]
pub async fn saved_delete(
    req: HttpRequest,
    _staff: Staff,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let code = path.into_inner().to_uppercase();
    let session = session::current(&req)?;
    db(&state.pool, move |conn| {
        let n = diesel::delete(saved_criteria::table.find(&code)).execute(conn)?;
        if n == 0 {
            return Err(AppError::NotFound);
        }
        session::set_flash(
            conn,
            &session,
            Flash::success(format!("Saved criteria {code} deleted.")),
        )?;
        Ok(())
    })
    .await?;
    Ok(redirect("/saved-criteria"))
}

#[derive(Deserialize)]
pub struct ReuseForm {
    #[serde(default)]
    code: String,
}

/// Reuse Criteria: replays every saved step, with all its options, against today's data;
/// each is its own undoable step.
#[post("/segments/{no}/reuse-criteria")]
pub async fn reuse_criteria(
    req: HttpRequest,
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ReuseForm>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let typed = form.into_inner().code.trim().to_string();
    let code = typed.to_uppercase();
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let here = no.clone();
    let outcome = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let actions = ActionForms {
                reuse_code: typed,
                ..Default::default()
            };
            if code.is_empty() {
                return Ok(actions.refused(
                    "reuse-code",
                    "Enter the code of saved criteria (see the list of saved criteria).",
                ));
            }
            let saved: Vec<(String, serde_json::Value)> = saved_criteria_steps::table
                .filter(saved_criteria_steps::code.eq(&code))
                .order(saved_criteria_steps::seq)
                .select((saved_criteria_steps::kind, saved_criteria_steps::criteria))
                .load(conn)?;
            if saved.is_empty() {
                return Ok(
                    actions.refused("reuse-code", format!("There are no saved criteria {code}."))
                );
            }
            let mut summary = Vec::new();
            let mut segment_no = no.clone();
            for (kind, json) in saved {
                let criteria: Criteria = serde_json::from_value(json.clone()).unwrap_or_default();
                let result =
                    run_step(
                        conn,
                        &no,
                        &kind,
                        &user,
                        &ip,
                        json,
                        |conn, segment, seq| match kind.as_str() {
                            "add" => steps::add(
                                conn,
                                segment,
                                seq,
                                &Source::Criteria(&criteria),
                                &criteria,
                            ),
                            "reduce" => steps::remove(conn, segment, seq, &criteria, false),
                            _ => steps::remove(conn, segment, seq, &criteria, true),
                        },
                    )?;
                match result {
                    Ok((segment, outcome)) => {
                        segment_no = segment.no;
                        summary.push(if kind == "add" {
                            format!("+{}", outcome.added)
                        } else {
                            format!("−{}", outcome.removed)
                        });
                    }
                    Err((_, errors)) => {
                        let text: Vec<String> = errors.iter().map(|e| e.message()).collect();
                        return Err(AppError::internal(anyhow::anyhow!(
                            "saved criteria {code} no longer parse: {}",
                            text.join("; ")
                        )));
                    }
                }
            }
            session::set_flash(
                conn,
                &session,
                Flash::success(format!(
                    "Criteria {code} reused: {} step(s) ({}).",
                    summary.len(),
                    summary.join(", ")
                )),
            )?;
            Ok(ActionOutcome::Done(format!("/segments/{segment_no}")))
        })
    })
    .await?;
    respond(&state, layout, here, outcome).await
}

#[derive(Deserialize)]
pub struct ReuseSegmentForm {
    #[serde(default)]
    segment_no: String,
    #[serde(default)]
    expand_companies: Option<String>,
    #[serde(default)]
    allow_related_companies: Option<String>,
    #[serde(default)]
    ignore_exclusion: Option<String>,
    #[serde(default)]
    allow_existing: Option<String>,
}

/// Reuse Segment: the members of another segment, as one step, under Add Contacts' rules.
#[post("/segments/{no}/reuse-segment")]
pub async fn reuse_segment(
    req: HttpRequest,
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ReuseSegmentForm>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let form = form.into_inner();
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let page = no.clone();
    let outcome = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let other_no = form.segment_no.trim().to_uppercase();
            let here = no.trim().to_uppercase();
            let actions = ActionForms {
                segment_no: form.segment_no.trim().to_string(),
                segment_ignore_exclusion: form.ignore_exclusion.is_some(),
                segment_allow_existing: form.allow_existing.is_some(),
                ..Default::default()
            };
            if other_no.is_empty() {
                return Ok(actions.refused("reuse-segment", "Enter the No. of a segment."));
            }
            let Some(other) = model::find_by_no(conn, &other_no)? else {
                return Ok(
                    actions.refused("reuse-segment", format!("There is no segment {other_no}."))
                );
            };
            if other.no == here {
                return Ok(actions.refused("reuse-segment", "A segment cannot reuse itself."));
            }
            let mut criteria = Criteria::default();
            criteria.options.expand_companies = form.expand_companies.is_some();
            criteria.options.allow_related_companies = form.allow_related_companies.is_some();
            criteria.options.ignore_exclusion = form.ignore_exclusion.is_some();
            criteria.options.allow_existing = form.allow_existing.is_some();
            let mut note = serde_json::to_value(&criteria).map_err(AppError::internal)?;
            note["segment"] = serde_json::Value::String(other.no.clone());
            let result = run_step(
                conn,
                &here,
                "reuse_segment",
                &user,
                &ip,
                note,
                |conn, segment, seq| {
                    steps::add(conn, segment, seq, &Source::Segment(other.id), &criteria)
                },
            )?;
            let (segment, outcome) = result
                .map_err(|_| AppError::internal(anyhow::anyhow!("reuse segment has no filters")))?;
            session::set_flash(
                conn,
                &session,
                Flash::success(format!(
                    "Reuse Segment {}: added {} contact(s).",
                    other.no, outcome.added
                )),
            )?;
            Ok(ActionOutcome::Done(format!("/segments/{}", segment.no)))
        })
    })
    .await?;
    respond(&state, layout, page, outcome).await
}

#[derive(QueryableByName)]
pub struct ExportLine {
    #[diesel(sql_type = Text)]
    contact_no: String,
    #[diesel(sql_type = Text)]
    contact_name: String,
    #[diesel(sql_type = Text)]
    company_name: String,
    #[diesel(sql_type = Text)]
    address: String,
    #[diesel(sql_type = Text)]
    address_2: String,
    #[diesel(sql_type = Text)]
    post_code: String,
    #[diesel(sql_type = Text)]
    city: String,
    #[diesel(sql_type = Nullable<Text>)]
    country_code: Option<String>,
    #[diesel(sql_type = Text)]
    email: String,
    #[diesel(sql_type = Text)]
    correspondence_type: String,
    #[diesel(sql_type = Nullable<Text>)]
    salesperson: Option<String>,
    #[diesel(sql_type = Date)]
    date: chrono::NaiveDate,
}

pub const EXPORT_COLUMNS: [&str; 12] = [
    "contact_no",
    "contact_name",
    "company_name",
    "address",
    "address_2",
    "post_code",
    "city",
    "country_code",
    "email",
    "correspondence_type",
    "salesperson_code",
    "date",
];

/// The lines as CSV for a mail merge, streamed.
#[get("/segments/{no}/export.csv")]
pub async fn export(
    req: HttpRequest,
    _user: SignedIn,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let segment = db(&state.pool, move |conn| {
        model::find_by_no(conn, &no)?.ok_or(AppError::NotFound)
    })
    .await?;
    let id = segment.id;
    csv::stream(
        &req,
        &state.exports,
        state.pool.clone(),
        &format!("segment-{}.csv", segment.no),
        &EXPORT_COLUMNS,
        move || {
            diesel::sql_query(
                "SELECT c.no::text AS contact_no, CASE WHEN l.is_person THEN l.contact_name ELSE '' END AS contact_name, \
                   l.company_name, c.address, c.address_2, c.post_code, c.city, c.country_code::text AS country_code, \
                   c.email, \
                   CASE WHEN s.ignore_contact_correspondence_type OR c.correspondence_type = '' \
                        THEN COALESCE(l.correspondence_type, s.correspondence_type) \
                        ELSE COALESCE(l.correspondence_type, c.correspondence_type) END AS correspondence_type, \
                   COALESCE(l.salesperson_code, s.salesperson_code, c.salesperson_code)::text AS salesperson, \
                   COALESCE(l.date, s.date) AS date \
                 FROM segment_lines l JOIN segments s ON s.id = l.segment_id JOIN contacts c ON c.id = l.contact_id \
                 WHERE l.segment_id = $1 AND l.removed_by_step IS NULL \
                 ORDER BY l.company_name, l.is_person, l.contact_name, l.id",
            )
            .into_boxed()
            .bind::<BigInt, _>(id)
        },
        |r: &ExportLine, out: &mut CsvBuffer| {
            let date = r.date.format("%Y-%m-%d").to_string();
            out.write(&[
                r.contact_no.as_str(),
                &r.contact_name,
                &r.company_name,
                &r.address,
                &r.address_2,
                &r.post_code,
                &r.city,
                r.country_code.as_deref().unwrap_or(""),
                &r.email,
                &r.correspondence_type,
                r.salesperson.as_deref().unwrap_or(""),
                &date,
            ])
        },
    )
}
