//! The pages of `/setup/sales-cycles`: the list, a new cycle, a cycle's card with its stages
//! (forms for administrators, the details for everyone else), a stage's page, and deletion.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;

use super::{
    cycle_href, find, list as list_rows, lock, opportunities_on, stage, stage_href, stages, table,
    template_codes, CycleForm, CycleRow, SalesCycle, Stage, StageForm,
};
use crate::auth::{Admin, Role, SignedIn};
use crate::db::schema::{sales_cycle_stages, sales_cycles};
use crate::setup::codes::delete_unused;
use crate::setup::registry::{self, SetupTable};
use crate::setup::support::{
    check_shown, deleted_already, guarded, row_now, Change, Saving, Taken, CHANGED,
};
use crate::web::{db, ok, redirect, unprocessable, AppError, AppResult, FormErrors, Layout};
use crate::web::{filters, AppState};

#[derive(Template)]
#[template(path = "setup/sales_cycles.html")]
pub struct CyclesListPage {
    pub layout: Layout,
    pub table: &'static SetupTable,
    pub rows: Vec<CycleRow>,
    pub can_edit: bool,
}

#[get("/setup/sales-cycles")]
pub async fn list(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let rows = db(&state.pool, |conn| Ok(list_rows(conn)?)).await?;
    ok(&CyclesListPage {
        layout,
        table: table(),
        rows,
        can_edit: user.role == Role::Admin,
    })
}

#[derive(Template)]
#[template(path = "setup/sales_cycle_new.html")]
pub struct NewCyclePage {
    pub layout: Layout,
    pub table: &'static SetupTable,
    pub form: CycleForm,
    pub errors: FormErrors,
}

#[get("/setup/sales-cycles/new")]
pub async fn new(_admin: Admin, layout: Layout) -> AppResult<HttpResponse> {
    ok(&NewCyclePage {
        layout,
        table: table(),
        form: CycleForm {
            probability_calculation: "multiply".into(),
            ..Default::default()
        },
        errors: FormErrors::new(),
    })
}

#[post("/setup/sales-cycles")]
pub async fn create(
    req: HttpRequest,
    Admin(admin): Admin,
    layout: Layout,
    state: web::Data<AppState>,
    form: web::Form<CycleForm>,
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
            let detail = values
                .as_ref()
                .map_or(String::new(), |v| v.description.clone());
            let saved = change.save(
                conn,
                Saving {
                    table: table(),
                    old_code: None,
                    code: &code,
                    detail: &detail,
                    next: "Add its stages below.",
                },
                errors,
                |c| {
                    Ok(Taken::of(find(c, &code)?, |row| {
                        values.as_ref() == Some(row)
                    }))
                },
                |c| match &values {
                    Some(v) => diesel::insert_into(sales_cycles::table)
                        .values(v)
                        .execute(c),
                    None => Ok(0),
                },
            )?;
            Ok(saved.map(|()| code))
        })
    })
    .await?;
    match result {
        Ok(code) => Ok(redirect(&cycle_href(&code))),
        Err(errors) => unprocessable(&NewCyclePage {
            layout,
            table: table(),
            form,
            errors,
        }),
    }
}

#[derive(Template)]
#[template(path = "setup/sales_cycle.html")]
pub struct CyclePage {
    pub layout: Layout,
    pub table: &'static SetupTable,
    pub cycle: SalesCycle,
    pub stages: Vec<Stage>,
    pub form: CycleForm,
    pub errors: FormErrors,
    pub new_stage: StageForm,
    pub stage_errors: FormErrors,
    pub templates: Vec<(String, String)>,
    pub used_by: String,
    pub can_edit: bool,
}

/// What a sales cycle's deletion takes with it ("its 4 stages"); empty for none.
fn goes_with(stages: usize) -> String {
    match stages {
        0 => String::new(),
        n => format!(
            "its {}",
            crate::web::pagination::counted(n as i64, "stage", "stages")
        ),
    }
}

impl CyclePage {
    /// What deleting the cycle takes with it, as a sentence.
    pub fn goes_with(&self) -> String {
        match goes_with(self.stages.len()) {
            with if with.is_empty() => with,
            with => format!("Deleting it deletes {with} too."),
        }
    }

    pub fn href(&self) -> String {
        cycle_href(&self.cycle.code)
    }
}

struct CycleData {
    cycle: SalesCycle,
    stages: Vec<Stage>,
    templates: Vec<(String, String)>,
    used_by: String,
}

fn load_cycle(conn: &mut PgConnection, code: &str) -> AppResult<CycleData> {
    let Some(cycle) = find(conn, code)? else {
        return Err(crate::setup::support::moved(conn, table(), code));
    };
    let stages = stages(conn, &cycle.code)?;
    let templates = template_codes(conn)?;
    let used_by = registry::describe(&registry::usages(conn, table(), &cycle.code)?);
    Ok(CycleData {
        cycle,
        stages,
        templates,
        used_by,
    })
}

fn cycle_page(layout: Layout, data: CycleData, can_edit: bool) -> CyclePage {
    CyclePage {
        layout,
        table: table(),
        form: CycleForm::from_cycle(&data.cycle),
        new_stage: StageForm::next_after(&data.stages),
        cycle: data.cycle,
        stages: data.stages,
        errors: FormErrors::new(),
        stage_errors: FormErrors::new(),
        templates: data.templates,
        used_by: data.used_by,
        can_edit,
    }
}

#[get("/setup/sales-cycles/{code}")]
pub async fn show(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let code = path.into_inner();
    let data = db(&state.pool, move |conn| load_cycle(conn, &code)).await?;
    ok(&cycle_page(layout, data, user.role == Role::Admin))
}

/// What the audit trail says of a changed cycle; empty when nothing changed.
fn cycle_changes(old: &SalesCycle, changed: &SalesCycle) -> String {
    let mut parts = Vec::new();
    if old.description != changed.description {
        parts.push(format!("description “{}”", changed.description));
    }
    if old.probability_calculation != changed.probability_calculation {
        parts.push(format!(
            "probability calculation {}",
            changed.calculation().label()
        ));
    }
    if old.blocked != changed.blocked {
        parts.push(
            if changed.blocked {
                "blocked"
            } else {
                "not blocked"
            }
            .into(),
        );
    }
    parts.join("; ")
}

#[post("/setup/sales-cycles/{code}")]
pub async fn update(
    req: HttpRequest,
    Admin(admin): Admin,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<CycleForm>,
) -> AppResult<HttpResponse> {
    let code = path.into_inner();
    let change = Change::new(&req, admin, &state)?;
    let mut form = form.into_inner();
    // The code is the cycle's key on every opportunity: it is not changed here.
    form.code = code.clone();
    let f = form.clone();
    let result = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let old = row_now(conn, table(), &code, lock)?;
            let mut stale = FormErrors::new();
            let validated = f.validate();
            check_shown(
                &mut stale,
                &f.shown,
                &old,
                &format!("sales cycle {}", old.code),
                validated
                    .as_ref()
                    .ok()
                    .map(|changed| cycle_changes(&old, changed))
                    .as_deref(),
            );
            match validated {
                _ if !stale.is_empty() => Ok(Err((stale, load_cycle(conn, &old.code)?))),
                Ok(changed) => {
                    let detail = cycle_changes(&old, &changed);
                    if detail.is_empty() {
                        change.unchanged(conn)?;
                    } else {
                        diesel::update(sales_cycles::table.find(&old.code))
                            .set(&changed)
                            .execute(conn)?;
                        let mut said = format!("Sales cycle {} saved.", old.code);
                        let mut detail = detail;
                        if old.probability_calculation != changed.probability_calculation {
                            let n = super::refigure_open_opportunities(
                                conn,
                                &old.code,
                                changed.calculation(),
                                &change.admin,
                                chrono::Local::now().date_naive(),
                            )?;
                            if n > 0 {
                                said.push_str(&format!(
                                    " The probability and current value of {} open \
                                     opportunit{} are figured by {} now.",
                                    crate::web::filters::number(n as i64),
                                    if n == 1 { "y" } else { "ies" },
                                    changed.calculation().label()
                                ));
                                detail.push_str(&format!("; {n} open opportunities figured again"));
                            }
                        }
                        change.done(conn, CHANGED, &table().subject(&old.code), &detail, said)?;
                    }
                    Ok(Ok(old.code))
                }
                Err(errors) => Ok(Err((errors, load_cycle(conn, &old.code)?))),
            }
        })
    })
    .await?;
    match result {
        Ok(code) => Ok(redirect(&cycle_href(&code))),
        Err((errors, data)) => {
            // Shown again over the cycle as it is now: saved again, the form replaces it.
            let mut page = cycle_page(layout, data, true);
            page.form = CycleForm {
                shown: page.form.shown,
                ..form
            };
            // The card's description field is `cycle_description` (a stage has one too).
            for (field, message) in errors.iter() {
                let field = if field == "description" {
                    "cycle_description"
                } else {
                    field
                };
                page.errors.add(field, message);
            }
            unprocessable(&page)
        }
    }
}

#[post("/setup/sales-cycles/{code}/delete")]
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
            let Some(cycle) = lock(conn, &code)? else {
                return deleted_already(conn, &change, table(), &code);
            };
            let with = goes_with(super::stages(conn, &cycle.code)?.len());
            delete_unused(conn, &change, table(), &cycle.code, &with, |c| {
                diesel::delete(sales_cycles::table.find(&cycle.code)).execute(c)
            })
        })
    })
    .await?;
    Ok(redirect(&location))
}

fn template_list(templates: &[(String, String)]) -> Vec<String> {
    templates.iter().map(|(c, _)| c.clone()).collect()
}

#[post("/setup/sales-cycles/{code}/stages")]
pub async fn add_stage(
    req: HttpRequest,
    Admin(admin): Admin,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<StageForm>,
) -> AppResult<HttpResponse> {
    let code = path.into_inner();
    let change = Change::new(&req, admin, &state)?;
    let form = form.into_inner();
    let f = form.clone();
    let result = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let cycle = row_now(conn, table(), &code, lock)?;
            let data = load_cycle(conn, &cycle.code)?;
            let mut checked = f.validate(&cycle.code, &template_list(&data.templates));
            if let Ok(s) = &checked {
                if data.stages.iter().any(|x| x == s) {
                    // The same stage added already (the form sent twice, a double click): said,
                    // the first sending's message kept. Told "choose another number", the
                    // administrator added the same stage twice under two numbers.
                    crate::auth::session::set_flash_unless_waiting(
                        conn,
                        &change.session,
                        crate::web::Flash::info(format!(
                            "Stage {} {} is in {} already, as your form says: nothing more \
                             to add.",
                            s.stage, s.description, cycle.code
                        )),
                    )?;
                    return Ok(Ok(cycle.code));
                }
                if data.stages.iter().any(|x| x.stage == s.stage) {
                    let mut errors = FormErrors::new();
                    errors.add(
                        "stage",
                        format!("Stage {} already exists: choose another number.", s.stage),
                    );
                    checked = Err(errors);
                }
            }
            match checked {
                Ok(s) => {
                    diesel::insert_into(sales_cycle_stages::table)
                        .values(&s)
                        .execute(conn)?;
                    change.done(
                        conn,
                        CHANGED,
                        &table().subject(&cycle.code),
                        &format!("stage {} “{}” added", s.stage, s.description),
                        format!(
                            "Stage {} {} added to {}.",
                            s.stage, s.description, cycle.code
                        ),
                    )?;
                    Ok(Ok(cycle.code))
                }
                Err(errors) => Ok(Err((errors, data))),
            }
        })
    })
    .await?;
    match result {
        Ok(code) => Ok(redirect(&format!("{}#stages-heading", cycle_href(&code)))),
        Err((errors, data)) => {
            let mut page = cycle_page(layout, data, true);
            page.new_stage = form;
            page.stage_errors = errors;
            unprocessable(&page)
        }
    }
}

#[derive(Template)]
#[template(path = "setup/sales_cycle_stage.html")]
pub struct StagePage {
    pub layout: Layout,
    pub table: &'static SetupTable,
    pub cycle: SalesCycle,
    pub stage: Stage,
    pub form: StageForm,
    pub errors: FormErrors,
    pub templates: Vec<(String, String)>,
    pub opportunities: super::Using,
    pub can_edit: bool,
}

impl StagePage {
    pub fn cycle_title(&self) -> String {
        format!("Sales cycle {}", self.cycle.code)
    }

    pub fn cycle_href(&self) -> String {
        cycle_href(&self.cycle.code)
    }
}

struct StageData {
    cycle: SalesCycle,
    stage: Stage,
    templates: Vec<(String, String)>,
    opportunities: super::Using,
}

/// A change to stage `n` of cycle `code`, which another administrator deleted after the page
/// was opened: refused (409), saying so, with the way back to the cycle.
fn stage_gone(code: &str, n: i32) -> AppError {
    AppError::Refused {
        message: format!(
            "Stage {n} of sales cycle {code} is not there any more: another administrator \
             deleted it after this page was opened. Nothing was changed."
        ),
        back: cycle_href(code),
    }
}

fn load_stage(conn: &mut PgConnection, code: &str, n: i32) -> AppResult<StageData> {
    let Some(cycle) = find(conn, code)? else {
        // Renamed since the link was kept: the stage under its code now.
        let within = format!("/stages/{n}");
        return Err(crate::setup::support::moved_within(
            conn,
            table(),
            code,
            &within,
        ));
    };
    let stage = stage(conn, &cycle.code, n)?.ok_or(AppError::NotFound)?;
    Ok(StageData {
        templates: template_codes(conn)?,
        opportunities: opportunities_on(conn, &cycle.code, Some(n))?,
        cycle,
        stage,
    })
}

fn stage_page(layout: Layout, d: StageData, can_edit: bool) -> StagePage {
    StagePage {
        layout,
        table: table(),
        form: StageForm::from_stage(&d.stage),
        cycle: d.cycle,
        stage: d.stage,
        errors: FormErrors::new(),
        templates: d.templates,
        opportunities: d.opportunities,
        can_edit,
    }
}

#[get("/setup/sales-cycles/{code}/stages/{stage}")]
pub async fn show_stage(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
) -> AppResult<HttpResponse> {
    let (code, n) = path.into_inner();
    let data = db(&state.pool, move |conn| load_stage(conn, &code, n)).await?;
    ok(&stage_page(layout, data, user.role == Role::Admin))
}

#[post("/setup/sales-cycles/{code}/stages/{stage}")]
pub async fn update_stage(
    req: HttpRequest,
    Admin(admin): Admin,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
    form: web::Form<StageForm>,
) -> AppResult<HttpResponse> {
    let (code, n) = path.into_inner();
    let change = Change::new(&req, admin, &state)?;
    let mut form = form.into_inner();
    // The stage's number is where opportunities stand: it is not changed here.
    form.stage = n.to_string();
    let f = form.clone();
    let result = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let cycle = row_now(conn, table(), &code, lock)?;
            stage(conn, &cycle.code, n)?.ok_or_else(|| stage_gone(&cycle.code, n))?;
            let data = load_stage(conn, &cycle.code, n)?;
            let mut stale = FormErrors::new();
            let what = format!("stage {n} of {}", cycle.code);
            let validated = f.validate(&cycle.code, &template_list(&data.templates));
            // The stage as typed is the stage as it is now: nothing to refuse.
            let same = matches!(&validated, Ok(s) if *s == data.stage);
            check_shown(&mut stale, &f.shown, &data.stage, &what, same.then_some(""));
            match validated {
                _ if !stale.is_empty() => Ok(Err((stale, data))),
                Ok(s) if s == data.stage => {
                    // Nothing changed: nothing written, nothing recorded.
                    change.unchanged(conn)?;
                    Ok(Ok(cycle.code))
                }
                Ok(s) => {
                    diesel::update(sales_cycle_stages::table.find((&cycle.code, n)))
                        .set(&s)
                        .execute(conn)?;
                    change.done(
                        conn,
                        CHANGED,
                        &table().subject(&cycle.code),
                        &format!("stage {n} “{}” changed", s.description),
                        format!("Stage {n} of {} saved.", cycle.code),
                    )?;
                    Ok(Ok(cycle.code))
                }
                Err(errors) => Ok(Err((errors, data))),
            }
        })
    })
    .await?;
    match result {
        Ok(code) => Ok(redirect(&format!("{}#stages-heading", cycle_href(&code)))),
        Err((errors, data)) => {
            // Shown again over the stage as it is now: saved again, the form replaces it.
            let mut page = stage_page(layout, data, true);
            page.form = StageForm {
                shown: page.form.shown,
                ..form
            };
            page.errors = errors;
            unprocessable(&page)
        }
    }
}

#[post("/setup/sales-cycles/{code}/stages/{stage}/delete")]
pub async fn delete_stage(
    req: HttpRequest,
    Admin(admin): Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
) -> AppResult<HttpResponse> {
    let (code, n) = path.into_inner();
    let change = Change::new(&req, admin, &state)?;
    let location = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let cycle = row_now(conn, table(), &code, lock)?;
            // Deleted already: by this form's first sending (a double click, whose message
            // stays) or by another administrator. It was a 409 "not there any more".
            if stage(conn, &cycle.code, n)?.is_none() {
                change.already(
                    conn,
                    format!(
                        "Stage {n} of {} is not there any more: nothing more to delete.",
                        cycle.code
                    ),
                )?;
                return Ok(format!("{}#stages-heading", cycle_href(&cycle.code)));
            }
            let on = opportunities_on(conn, &cycle.code, Some(n))?.all;
            if on > 0 {
                change.refuse(
                    conn,
                    format!(
                        "Stage {n} of {} is the stage of {on} opportunit{} (open, or closed on \
                         it), so it cannot be deleted.",
                        cycle.code,
                        if on == 1 { "y" } else { "ies" }
                    ),
                )?;
                return Ok(stage_href(&cycle.code, n));
            }
            guarded(conn, |c| {
                diesel::delete(sales_cycle_stages::table.find((&cycle.code, n))).execute(c)
            })?
            .map_err(|_| AppError::Internal(anyhow::anyhow!("stage delete refused")))?;
            change.done(
                conn,
                CHANGED,
                &table().subject(&cycle.code),
                &format!("stage {n} deleted"),
                format!("Stage {n} of {} deleted.", cycle.code),
            )?;
            Ok(format!("{}#stages-heading", cycle_href(&cycle.code)))
        })
    })
    .await?;
    Ok(redirect(&location))
}
