//! The pages of `/setup/interaction-templates`: the list (searchable, by group), a new
//! template, a template's card (a form for administrators, the details for everyone else) and
//! its deletion. `GET /interaction-templates` is the list's old address.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use super::{
    all_groups, campaign_options, count, find, group_description, lock, rows, InteractionTemplate,
    ListRow, TemplateForm, TemplateValues, CORRESPONDENCE, FLOWS, INITIATORS,
};
use crate::auth::{Admin, Role, SignedIn};
use crate::db::schema::interaction_templates;
use crate::setup::codes::delete_unused;
use crate::setup::registry::{self, Kind, SetupTable};
use crate::setup::support::{
    check_shown, code_in_filters_refused, deleted_already, guarded, row_now, shown, since, Change,
    ListQuery, Listing, Refusal, Since, Taken, CHANGED, CREATED, PER_PAGE,
};
use crate::setup::{CodeList, CodeOption};
use crate::web::AppState;
use crate::web::{db, ok, redirect, unprocessable, AppError, AppResult, FormErrors, Layout};

fn table() -> &'static SetupTable {
    registry::of_kind(Kind::InteractionTemplates)
}

fn duplicate(code: &str) -> String {
    format!("Interaction template {code} already exists.")
}

const NOT_STORABLE: &str =
    "This code cannot be stored: use letters, digits and punctuation, without spaces.";

// ---------------------------------------------------------------------------------------------
// The list.

/// `?q=…&group=…&page=…` of the list.
#[derive(Debug, Default, Deserialize)]
pub struct TemplatesQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub group: String,
    pub page: Option<String>,
}

#[derive(Template)]
#[template(path = "setup/interaction_templates.html")]
pub struct TemplatesListPage {
    pub layout: Layout,
    pub table: &'static SetupTable,
    pub rows: Vec<ListRow>,
    pub listing: Listing,
    /// The group the list is narrowed to, with its description.
    pub group: Option<CodeOption>,
    /// Why no group of that code is there (deleted, or never was): said instead of a 404.
    pub group_gone: String,
    pub can_edit: bool,
}

/// The interaction groups' table, whose codes narrow the list.
fn groups() -> &'static SetupTable {
    crate::setup::registry::by_table("interaction_groups").unwrap_or_else(table)
}

#[get("/setup/interaction-templates")]
pub async fn list(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    query: web::Query<TemplatesQuery>,
) -> AppResult<HttpResponse> {
    let TemplatesQuery { q, group, page: p } = query.into_inner();
    let group = group.trim().to_uppercase();
    let listed = db(&state.pool, move |conn| {
        let list_query = ListQuery { q, page: p };
        let (chosen, group_gone) = match group.as_str() {
            "" => (None, String::new()),
            code => match group_description(conn, code)? {
                Some(d) => (
                    Some(CodeOption {
                        description: d.into(),
                        code: code.into(),
                    }),
                    String::new(),
                ),
                // A link kept from before the group was renamed leads to it as it is now;
                // one to a group deleted since says so over an empty list.
                None => match since(conn, groups(), code)? {
                    Since::Renamed(now) => {
                        let to = Listing::new(table().href(), &list_query, 0)
                            .with_param("group", &now)
                            .link(1);
                        return Ok(Err(to));
                    }
                    deleted @ Since::Deleted { .. } => (
                        None,
                        format!(
                            "{}.",
                            deleted.deleted(&format!("Interaction group {code}"), code)
                        ),
                    ),
                    Since::Unknown => (None, format!("There is no interaction group {code}.")),
                },
            },
        };
        let total = match group_gone.is_empty() {
            true => count(conn, &list_query.q, &group)?,
            false => 0,
        };
        let listing = Listing::new(table().href(), &list_query, total).with_param("group", &group);
        let rows = match total {
            0 => Vec::new(),
            _ => rows(conn, &listing.q, &group, PER_PAGE, listing.pager.offset())?,
        };
        Ok(Ok((rows, listing, chosen, group_gone)))
    })
    .await?;
    let (rows, listing, group, group_gone) = match listed {
        Ok(listed) => listed,
        Err(to) => return Ok(redirect(&to)),
    };
    ok(&TemplatesListPage {
        layout,
        table: table(),
        rows,
        listing,
        group,
        group_gone,
        can_edit: user.role == Role::Admin,
    })
}

/// The old address of the list.
#[get("/interaction-templates")]
pub async fn old_list(req: HttpRequest) -> HttpResponse {
    let location = match req.query_string() {
        "" => table().href(),
        q => format!("{}?{q}", table().href()),
    };
    HttpResponse::PermanentRedirect()
        .insert_header((actix_web::http::header::LOCATION, location))
        .finish()
}

// ---------------------------------------------------------------------------------------------
// The card.

#[derive(Template)]
#[template(path = "setup/interaction_template_form.html")]
pub struct TemplateFormPage {
    pub layout: Layout,
    pub table: &'static SetupTable,
    /// The code as stored; `None` for a new template.
    pub code: Option<String>,
    pub form: TemplateForm,
    pub errors: FormErrors,
    pub used_by: registry::UsedBy,
    pub groups: CodeList,
    pub campaigns: CodeList,
    /// The segments whose header or lines name it, by No. (the first [`WHERE_SHOWN`] and one
    /// more, to say there are more), for its delete refusal.
    pub where_segments: Vec<String>,
}

/// How many segments using a template its page names.
pub const WHERE_SHOWN: usize = 10;

/// The segments whose header or current lines name template `code`, by No.: the first
/// [`WHERE_SHOWN`] and one more. Read only when the counts say some do.
fn where_segments(
    conn: &mut PgConnection,
    code: &str,
    used_by: &registry::UsedBy,
) -> QueryResult<Vec<String>> {
    // (Its usages by segments and by lines, removed ones among them, are worded so.)
    if !used_by.text.contains("segment") && !used_by.text.contains("line") {
        return Ok(Vec::new());
    }
    #[derive(diesel::QueryableByName)]
    struct No {
        #[diesel(sql_type = diesel::sql_types::Text)]
        no: String,
    }
    let rows: Vec<No> = diesel::sql_query(
        "SELECT s.no::text AS no FROM segments s \
         WHERE s.interaction_template_code = $1 \
            OR s.id IN (SELECT l.segment_id FROM segment_lines l \
                        WHERE l.interaction_template_code = $1) \
         ORDER BY s.no LIMIT $2",
    )
    .bind::<diesel::sql_types::Text, _>(code)
    .bind::<diesel::sql_types::BigInt, _>(WHERE_SHOWN as i64 + 1)
    .load(conn)?;
    Ok(rows.into_iter().map(|r| r.no).collect())
}

impl TemplateFormPage {
    pub fn action(&self) -> String {
        match &self.code {
            Some(code) => self.table.code_href(code),
            None => self.table.href(),
        }
    }

    pub fn flows(&self) -> &'static [(&'static str, &'static str)] {
        &FLOWS
    }

    pub fn initiators(&self) -> &'static [(&'static str, &'static str)] {
        &INITIATORS
    }

    pub fn correspondence(&self) -> &'static [(&'static str, &'static str)] {
        &CORRESPONDENCE
    }
}

#[derive(Template)]
#[template(path = "setup/interaction_template_show.html")]
pub struct TemplateShowPage {
    pub layout: Layout,
    pub table: &'static SetupTable,
    pub row: InteractionTemplate,
    pub group_description: String,
    pub used_by: registry::UsedBy,
}

/// The choices of the form: the interaction groups and the campaigns.
fn choices(conn: &mut PgConnection) -> QueryResult<(CodeList, CodeList)> {
    Ok((all_groups(conn)?, campaign_options(conn)?))
}

#[get("/setup/interaction-templates/new")]
pub async fn new(
    _admin: Admin,
    layout: Layout,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let (groups, campaigns) = db(&state.pool, |conn| Ok(choices(conn)?)).await?;
    ok(&TemplateFormPage {
        layout,
        table: table(),
        code: None,
        form: TemplateForm::blank(),
        errors: FormErrors::new(),
        used_by: registry::UsedBy::default(),
        groups,
        campaigns,
        where_segments: Vec::new(),
    })
}

/// Writes `values` (a new row, or over `old`) in a savepoint; a refusal of the database
/// becomes a message next to the field it is about.
fn write(
    conn: &mut PgConnection,
    values: &TemplateValues,
    old: Option<&str>,
    errors: &mut FormErrors,
) -> QueryResult<()> {
    let written = guarded(conn, |c| match old {
        None => diesel::insert_into(interaction_templates::table)
            .values(values)
            .execute(c),
        Some(old) => diesel::update(interaction_templates::table.find(old))
            .set(values)
            .execute(c),
    })?;
    match written {
        Ok(_) => {}
        Err(Refusal::Duplicate) => errors.add("code", duplicate(&values.code)),
        Err(Refusal::InUse) => errors.add(
            "group_code",
            "The group or the campaign was just deleted: choose again.",
        ),
        Err(Refusal::Invalid) => errors.add("code", NOT_STORABLE),
    }
    Ok(())
}

#[post("/setup/interaction-templates")]
pub async fn create(
    req: HttpRequest,
    Admin(admin): Admin,
    layout: Layout,
    state: web::Data<AppState>,
    form: web::Form<TemplateForm>,
) -> AppResult<HttpResponse> {
    let change = Change::new(&req, admin, &state)?;
    let form = form.into_inner().cleaned();
    let f = form.clone();
    let result = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let errors = match f.validate(conn)? {
                Ok(values) if code_in_filters_refused(&values.code).is_some() => {
                    let mut errors = FormErrors::new();
                    errors.add(
                        "code",
                        code_in_filters_refused(&values.code).unwrap_or_default(),
                    );
                    errors
                }
                Ok(values) => {
                    let mut errors = FormErrors::new();
                    let taken = |conn: &mut PgConnection| {
                        Ok::<_, diesel::result::Error>(Taken::of(
                            find(conn, &values.code)?,
                            |row| values.holds(row),
                        ))
                    };
                    let mut state = taken(conn)?;
                    if state == Taken::Free {
                        write(conn, &values, None, &mut errors)?;
                        // Refused as taken: the first sending of a double click, saved at the
                        // same moment, is seen now that it is committed.
                        if errors.has("code") && taken(conn)? == Taken::AsSent {
                            errors = FormErrors::new();
                            state = Taken::AsSent;
                        }
                    }
                    match state {
                        Taken::Free => {}
                        // The form sent twice (its first sending's message stays).
                        Taken::AsSent => {
                            change.already(
                                conn,
                                format!(
                                    "Interaction template {} exists already, as this form says: \
                                     nothing more was created.",
                                    values.code
                                ),
                            )?;
                            return Ok(Ok(()));
                        }
                        Taken::Other => errors.add("code", duplicate(&values.code)),
                    }
                    if errors.is_empty() {
                        // (Under a code another was renamed from, said as every setup table
                        // says it: filters naming it now select by this one.)
                        let message =
                            crate::setup::support::created_message(conn, table(), &values.code)?;
                        change.done(
                            conn,
                            CREATED,
                            &table().subject(&values.code),
                            &values.summary(),
                            message,
                        )?;
                        return Ok(Ok(()));
                    }
                    errors
                }
                Err(mut errors) => {
                    if let Some(why) = code_in_filters_refused(&f.code) {
                        if !errors.has("code") {
                            errors.add("code", why);
                        }
                    }
                    errors
                }
            };
            Ok(Err((errors, choices(conn)?)))
        })
    })
    .await?;
    match result {
        Ok(()) => Ok(redirect(&table().href())),
        Err((errors, (groups, campaigns))) => unprocessable(&TemplateFormPage {
            layout,
            table: table(),
            code: None,
            form,
            errors,
            used_by: registry::UsedBy::default(),
            groups,
            campaigns,
            where_segments: Vec::new(),
        }),
    }
}

#[get("/setup/interaction-templates/{code}")]
pub async fn show(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let code = path.into_inner();
    let admin = user.role == Role::Admin;
    let (row, used_by, group_description, choices) = db(&state.pool, move |conn| {
        let Some(row) = find(conn, &code)? else {
            return Err(crate::setup::support::moved(conn, table(), &code));
        };
        let used_by = registry::used_by(&registry::usages(conn, table(), &row.code)?, &row.code);
        let group = group_description(conn, &row.group_code)?.unwrap_or_default();
        let choices = if admin {
            Some((choices(conn)?, where_segments(conn, &row.code, &used_by)?))
        } else {
            None
        };
        Ok((row, used_by, group, choices))
    })
    .await?;
    match choices {
        Some(((groups, campaigns), where_segments)) => ok(&TemplateFormPage {
            layout,
            table: table(),
            code: Some(row.code.clone()),
            form: TemplateForm::from_row(row),
            errors: FormErrors::new(),
            used_by,
            groups,
            campaigns,
            where_segments,
        }),
        None => ok(&TemplateShowPage {
            layout,
            table: table(),
            row,
            group_description,
            used_by,
        }),
    }
}

#[post("/setup/interaction-templates/{code}")]
pub async fn update(
    req: HttpRequest,
    Admin(admin): Admin,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<TemplateForm>,
) -> AppResult<HttpResponse> {
    let old_code = path.into_inner();
    let change = Change::new(&req, admin, &state)?;
    let form = form.into_inner().cleaned();
    let f = form.clone();
    let result = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let old = row_now(conn, table(), &old_code, lock)?;
            let mut stale = FormErrors::new();
            let what = format!("interaction template {}", old.code);
            let validated = f.validate(conn)?;
            let would_change = validated.as_ref().ok().map(|v| v.detail_against(&old));
            check_shown(&mut stale, &f.shown, &old, &what, would_change.as_deref());
            let errors = match validated {
                _ if !stale.is_empty() => stale,
                Ok(values) => {
                    let detail = values.audit_detail_against(&old);
                    if detail.is_empty() {
                        change.unchanged(conn)?;
                        return Ok(Ok(()));
                    }
                    let mut errors = FormErrors::new();
                    let refused = (values.code != old.code)
                        .then(|| code_in_filters_refused(&values.code))
                        .flatten();
                    if let Some(why) = refused {
                        errors.add("code", why);
                    } else if values.code != old.code && find(conn, &values.code)?.is_some() {
                        errors.add("code", duplicate(&values.code));
                    } else {
                        write(conn, &values, Some(&old.code), &mut errors)?;
                    }
                    if errors.is_empty() {
                        let message = if old.code == values.code {
                            format!("Interaction template {} saved.", values.code)
                        } else {
                            format!(
                                "Interaction template {old} is now {new}; everything that used it \
                                 follows. Filters that name {old} in saved criteria or segment \
                                 steps keep it: Refresh and Reuse Criteria say which, and refuse \
                                 them (a pattern or a range that takes it in is not checked).",
                                old = old.code,
                                new = values.code
                            )
                        };
                        change.done(
                            conn,
                            CHANGED,
                            &table().subject(&old.code),
                            &detail,
                            message,
                        )?;
                        return Ok(Ok(()));
                    }
                    errors
                }
                Err(errors) => errors,
            };
            let used_by =
                registry::used_by(&registry::usages(conn, table(), &old.code)?, &old.code);
            let now = shown(&old);
            let segments = where_segments(conn, &old.code, &used_by)?;
            Ok(Err((
                old.code,
                errors,
                used_by,
                choices(conn)?,
                now,
                segments,
            )))
        })
    })
    .await?;
    match result {
        Ok(()) => Ok(redirect(&table().href())),
        // Shown again over the row as it is now: saved again, the form replaces it.
        Err((code, errors, used_by, (groups, campaigns), now, where_segments)) => {
            unprocessable(&TemplateFormPage {
                layout,
                table: table(),
                code: Some(code),
                form: TemplateForm { shown: now, ..form },
                errors,
                used_by,
                groups,
                campaigns,
                where_segments,
            })
        }
    }
}

#[post("/setup/interaction-templates/{code}/delete")]
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
                diesel::delete(interaction_templates::table.find(&row.code)).execute(c)
            })
        })
    })
    .await?;
    Ok(redirect(&location))
}
