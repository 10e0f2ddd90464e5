//! Segment pages: the list, the header, the lines and ledger, and the wizard's steps.

use actix_web::{get, http::StatusCode, post, web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use super::criteria::{Criteria, FieldError, Section, FIELDS};
use super::model::{
    self, Figures, HeaderForm, LineRow, Segment, SegmentRow, Template as InteractionTemplate,
};
use super::steps::{self, LineHistory, Outcome, PreviewRow, Source, Step, StepError, UndoEffect};
use super::stored::{self, StepKind};
use crate::admin::audit::{self, Actor};
use crate::auth::{client_ip, session, CurrentUser, Role, SignedIn, Staff};
use crate::setup::{self, CodeOption};
use crate::web::pagination::{thousands, Pager};
use crate::web::{db, ok, redirect, render, AppError, AppResult, Flash, FormErrors, Layout};
use crate::AppState;

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
    page: Option<String>,
}

#[derive(Template)]
#[template(path = "segments/list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub rows: Vec<SegmentRow>,
    pub pager: Pager,
    pub status: String,
    pub q: String,
    pub statuses: [(&'static str, &'static str); 3],
    pub can_edit: bool,
}

impl ListPage {
    pub fn page_link(&self, page: i64) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        if !self.status.is_empty() {
            s.append_pair("status", &self.status);
        }
        if !self.q.is_empty() {
            s.append_pair("q", &self.q);
        }
        s.append_pair("page", &page.to_string());
        format!("?{}", s.finish())
    }

    pub fn count(n: &i64) -> String {
        thousands(*n)
    }
}

#[get("/segments")]
pub async fn list(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let status = match query.status.trim() {
        s @ ("draft" | "logged" | "canceled") => s.to_string(),
        _ => String::new(),
    };
    let q = query.q.trim().to_string();
    let requested = Pager::requested(query.page.as_deref());
    let (s, qq) = (status.clone(), q.clone());
    let (rows, pager) = db(&state.pool, move |conn| {
        let offset = (requested - 1) * model::LIST_PAGE;
        let (mut rows, total) = model::list(conn, &s, &qq, offset)?;
        let pager = Pager::new(Some(&requested.to_string()), model::LIST_PAGE, total);
        if pager.offset() != offset {
            // Past the last page: the last page is shown.
            rows = model::list(conn, &s, &qq, pager.offset())?.0;
        }
        Ok((rows, pager))
    })
    .await?;
    ok(&ListPage {
        layout,
        rows,
        pager,
        status,
        q,
        statuses: model::STATUSES,
        can_edit: user.role >= Role::Staff,
    })
}

/// Choices of the header form.
pub struct HeaderOptions {
    pub salespeople: Vec<CodeOption>,
    pub languages: Vec<CodeOption>,
    pub templates: Vec<InteractionTemplate>,
    pub campaigns: Vec<CodeOption>,
}

impl HeaderOptions {
    fn load(conn: &mut PgConnection) -> QueryResult<Self> {
        use crate::db::schema::campaigns;
        let campaigns = campaigns::table
            .order(campaigns::no)
            .select((campaigns::no, campaigns::description))
            .load::<(String, String)>(conn)?
            .into_iter()
            .map(|(code, description)| CodeOption { code, description })
            .collect();
        Ok(HeaderOptions {
            salespeople: setup::options(conn, "salespeople")?,
            languages: setup::options(conn, "languages")?,
            templates: model::templates(conn)?,
            campaigns,
        })
    }
}

#[derive(Template)]
#[template(path = "segments/new.html")]
pub struct NewPage {
    pub layout: Layout,
    pub form: HeaderForm,
    pub errors: FormErrors,
    pub options: HeaderOptions,
}

#[get("/segments/new")]
pub async fn new(
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let options = db(&state.pool, |conn| Ok(HeaderOptions::load(conn)?)).await?;
    ok(&NewPage {
        layout,
        form: HeaderForm::new_for(user.salesperson_code.clone()),
        errors: FormErrors::new(),
        options,
    })
}

#[post("/segments")]
pub async fn create(
    req: HttpRequest,
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
    form: web::Form<HeaderForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner().normalised();
    let session = session::current(&req)?;
    let f = form.clone();
    let result = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| match f.validate(conn)? {
            Ok(mut values) => {
                if let Some(code) = values.interaction_template_code.clone() {
                    if let Some(t) = model::template(conn, &code)? {
                        values.take_template_defaults(&t);
                    }
                }
                let segment = model::insert(conn, &values, user.id)?;
                session::set_flash(
                    conn,
                    &session,
                    Flash::success(format!(
                        "Segment {} created. Add contacts to it.",
                        segment.no
                    )),
                )?;
                Ok(Ok(segment.no))
            }
            Err(errors) => Ok(Err((errors, HeaderOptions::load(conn)?))),
        })
    })
    .await?;
    match result {
        Ok(no) => Ok(redirect(&format!("/segments/{no}"))),
        Err((errors, options)) => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &NewPage {
                layout,
                form,
                errors,
                options,
            },
        ),
    }
}

#[derive(Template)]
#[template(path = "segments/show.html")]
pub struct ShowPage {
    pub layout: Layout,
    pub segment: Segment,
    pub form: HeaderForm,
    pub errors: FormErrors,
    pub options: HeaderOptions,
    pub figures: Figures,
    pub ledger: Vec<Step>,
    /// The lines by the steps that added and removed them (what each Go Back would do).
    pub history: Vec<LineHistory>,
    pub lines: Vec<LineRow>,
    pub pager: Pager,
    /// The smaller forms of the page, as typed when one of them was refused.
    pub actions: ActionForms,
    pub can_edit: bool,
}

/// What was typed into the segment page's smaller forms (Save Criteria, Reuse Criteria, Reuse
/// Segment, Add line), and why one was refused: the page is shown again with it (status 422),
/// the message next to the field (keyed by the input's id).
#[derive(Clone, Debug, Default)]
pub struct ActionForms {
    pub save_code: String,
    pub save_description: String,
    pub reuse_code: String,
    pub segment_no: String,
    pub segment_ignore_exclusion: bool,
    pub segment_allow_existing: bool,
    pub contact: String,
    pub line_ignore_exclusion: bool,
    pub errors: FormErrors,
}

impl ActionForms {
    pub fn refused(mut self, field: &'static str, message: impl Into<String>) -> ActionOutcome {
        self.errors.add(field, message);
        ActionOutcome::Refused(Box::new(self))
    }
}

/// How one of those forms ended: done (and where to go next), or refused.
pub enum ActionOutcome {
    Done(String),
    Refused(Box<ActionForms>),
}

/// Answers one of the segment page's smaller forms: on to the next page when it was done; the
/// segment page again, with what was typed and why it was refused, when it was not.
pub(super) async fn respond(
    state: &web::Data<AppState>,
    layout: Layout,
    no: String,
    outcome: ActionOutcome,
) -> AppResult<HttpResponse> {
    let actions = match outcome {
        ActionOutcome::Done(location) => return Ok(redirect(&location)),
        ActionOutcome::Refused(actions) => *actions,
    };
    let data = db(&state.pool, move |conn| {
        let segment = model::find_by_no(conn, &no)?.ok_or(AppError::NotFound)?;
        Ok(load_show(conn, segment, None, model::LinesFrom::Page)?)
    })
    .await?;
    render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &ShowPage::build(layout, data, None, FormErrors::new(), actions, true),
    )
}

impl ShowPage {
    /// The page from what `load_show` read; the header form as saved unless `form` is given.
    fn build(
        layout: Layout,
        data: ShowData,
        form: Option<HeaderForm>,
        errors: FormErrors,
        actions: ActionForms,
        can_edit: bool,
    ) -> ShowPage {
        let (segment, figures, ledger, history, lines, pager, options) = data;
        ShowPage {
            history,
            layout,
            form: form.unwrap_or_else(|| HeaderForm::from_segment(&segment)),
            segment,
            errors,
            options,
            figures,
            ledger,
            lines,
            pager,
            actions,
            can_edit,
        }
    }

    pub fn editable(&self) -> bool {
        self.can_edit && self.segment.is_draft()
    }

    pub fn lines_text(&self) -> String {
        thousands(self.figures.lines)
    }

    pub fn page_link(&self, page: i64) -> String {
        format!("/segments/{}?page={page}#lines", self.segment.no)
    }

    /// The next page, read after this page's last line.
    pub fn next_link(&self) -> String {
        match self.lines.last() {
            Some(line) => format!(
                "/segments/{}?page={}&after={}#lines",
                self.segment.no,
                self.pager.page + 1,
                line.id
            ),
            None => self.page_link(self.pager.page + 1),
        }
    }

    /// The previous page, read before this page's first line.
    pub fn prev_link(&self) -> String {
        match self.lines.first() {
            Some(line) => format!(
                "/segments/{}?page={}&before={}#lines",
                self.segment.no,
                self.pager.page - 1,
                line.id
            ),
            None => self.page_link(self.pager.page - 1),
        }
    }

    /// What going back to step `to` would do.
    pub fn undo_to(&self, to: i32) -> UndoEffect {
        let last = self.ledger.last().map_or(0, |s| s.seq);
        UndoEffect::of(&self.history, to, last)
    }

    pub fn template_label(&self, t: &InteractionTemplate) -> String {
        format!("{} – {}", t.code, t.description)
    }
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<String>,
    after: Option<String>,
    before: Option<String>,
}

impl PageQuery {
    fn lines_from(&self) -> model::LinesFrom {
        let id = |v: &Option<String>| v.as_deref().and_then(|v| v.trim().parse::<i64>().ok());
        match (id(&self.after), id(&self.before)) {
            (Some(line), _) => model::LinesFrom::After(line),
            (None, Some(line)) => model::LinesFrom::Before(line),
            (None, None) => model::LinesFrom::Page,
        }
    }
}

/// Everything the segment page shows besides the header form.
type ShowData = (
    Segment,
    Figures,
    Vec<Step>,
    Vec<LineHistory>,
    Vec<LineRow>,
    Pager,
    HeaderOptions,
);

fn load_show(
    conn: &mut PgConnection,
    segment: Segment,
    page: Option<String>,
    from: model::LinesFrom,
) -> QueryResult<ShowData> {
    let figures = model::figures(conn, &segment)?;
    let ledger = steps::ledger(conn, segment.id)?;
    // What each Go Back would do, for a draft's ledger.
    let history = if segment.is_draft() && !ledger.is_empty() {
        steps::line_history(conn, segment.id)?
    } else {
        Vec::new()
    };
    let pager = Pager::new(page.as_deref(), model::LINES_PAGE, figures.lines);
    let lines = model::lines(conn, segment.id, &pager, from)?;
    let options = HeaderOptions::load(conn)?;
    Ok((segment, figures, ledger, history, lines, pager, options))
}

#[get("/segments/{no}")]
pub async fn show(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let query = query.into_inner();
    let from = query.lines_from();
    let page = query.page;
    let data = db(&state.pool, move |conn| {
        let segment = model::find_by_no(conn, &no)?.ok_or(AppError::NotFound)?;
        Ok(load_show(conn, segment, page, from)?)
    })
    .await?;
    ok(&ShowPage::build(
        layout,
        data,
        None,
        FormErrors::new(),
        ActionForms::default(),
        user.role >= Role::Staff,
    ))
}

enum HeaderOutcome {
    Saved(String),
    Invalid(Box<Segment>, FormErrors),
    Conflict(Box<Segment>),
}

#[post("/segments/{no}")]
pub async fn update(
    req: HttpRequest,
    _staff: Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<HeaderForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner().normalised();
    let session = session::current(&req)?;
    let no = path.into_inner();
    let f = form.clone();
    let outcome = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let segment = model::lock(conn, &no)?.ok_or(AppError::NotFound)?;
            if !segment.is_draft() {
                return Err(AppError::Forbidden);
            }
            if f.version.parse::<i32>().ok() != Some(segment.version) {
                return Ok(HeaderOutcome::Conflict(Box::new(segment)));
            }
            let mut values = match f.validate(conn)? {
                Ok(v) => v,
                Err(errors) => return Ok(HeaderOutcome::Invalid(Box::new(segment), errors)),
            };
            let template_changed =
                values.interaction_template_code != segment.interaction_template_code;
            if template_changed {
                if let Some(code) = values.interaction_template_code.clone() {
                    if let Some(t) = model::template(conn, &code)? {
                        values.take_template_defaults(&t);
                    }
                }
            }
            let saved = model::update(conn, segment.id, segment.version, &values)?.ok_or(
                AppError::Internal(anyhow::anyhow!("segment changed under its lock")),
            )?;
            let message = if template_changed && saved.interaction_template_code.is_some() {
                format!(
                    "Segment {} saved; the defaults of interaction template {} were applied.",
                    saved.no,
                    saved.interaction_template_code.clone().unwrap_or_default()
                )
            } else {
                format!("Segment {} saved.", saved.no)
            };
            session::set_flash(conn, &session, Flash::success(message))?;
            Ok(HeaderOutcome::Saved(saved.no))
        })
    })
    .await?;
    match outcome {
        HeaderOutcome::Saved(no) => Ok(redirect(&format!("/segments/{no}"))),
        HeaderOutcome::Invalid(segment, errors) => {
            let data = db(&state.pool, move |conn| {
                Ok(load_show(conn, *segment, None, model::LinesFrom::Page)?)
            })
            .await?;
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ShowPage::build(
                    layout,
                    data,
                    Some(form),
                    errors,
                    ActionForms::default(),
                    true,
                ),
            )
        }
        HeaderOutcome::Conflict(segment) => {
            let data = db(&state.pool, move |conn| {
                Ok(load_show(conn, *segment, None, model::LinesFrom::Page)?)
            })
            .await?;
            let mut errors = FormErrors::new();
            errors.add("description", "Someone else saved this segment after you opened it. The form shows your values; save again to keep them.");
            let mut form = form;
            form.version = data.0.version.to_string();
            render(
                StatusCode::CONFLICT,
                &ShowPage::build(
                    layout,
                    data,
                    Some(form),
                    errors,
                    ActionForms::default(),
                    true,
                ),
            )
        }
    }
}

/// The three filter steps of the wizard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wizard {
    Add,
    Reduce,
    Refine,
}

impl Wizard {
    fn parse(s: &str) -> Option<Wizard> {
        match s {
            "add" => Some(Wizard::Add),
            "reduce" => Some(Wizard::Reduce),
            "refine" => Some(Wizard::Refine),
            _ => None,
        }
    }

    pub fn kind(self) -> StepKind {
        match self {
            Wizard::Add => StepKind::Add,
            Wizard::Reduce => StepKind::Reduce,
            Wizard::Refine => StepKind::Refine,
        }
    }

    pub fn title(self) -> &'static str {
        self.kind().title()
    }

    pub fn explanation(self) -> &'static str {
        match self {
            Wizard::Add => "Adds the contacts that match the filters to the segment.",
            Wizard::Reduce => "Removes the segment's lines whose contact matches the filters.",
            Wizard::Refine => "Keeps only the segment's lines whose contact matches the filters; removes the others.",
        }
    }
}

/// Codes offered per code table.
type CodeChoices = Vec<(&'static str, Vec<CodeOption>)>;

/// One profile answer to choose: id, "Question: Answer".
pub struct ProfileChoice {
    pub id: i64,
    pub label: String,
}

#[derive(Template)]
#[template(path = "segments/step.html")]
pub struct StepPage {
    pub layout: Layout,
    pub segment: Segment,
    pub wizard: Wizard,
    pub criteria: Criteria,
    pub errors: Vec<FieldError>,
    pub sections: [Section; 6],
    pub fields: &'static [super::criteria::Field],
    pub codes: CodeChoices,
    pub profile: Vec<ProfileChoice>,
    pub preview: Option<(Outcome, Vec<PreviewRow>)>,
    pub apply_query: String,
}

impl StepPage {
    pub fn error_for(&self, key: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|e| e.key == key)
            .map(|e| e.error.to_string())
    }

    pub fn fields_of(&self, section: &Section) -> Vec<&'static super::criteria::Field> {
        self.fields
            .iter()
            .filter(|f| f.section == *section)
            .collect()
    }

    pub fn codes_of(&self, table: &str) -> &[CodeOption] {
        self.codes
            .iter()
            .find(|(t, _)| *t == table)
            .map(|(_, c)| c.as_slice())
            .unwrap_or(&[])
    }

    pub fn n(&self, v: &i64) -> String {
        thousands(*v)
    }

    /// The filters and the options that are on, as the ledger will say them.
    pub fn description(&self) -> String {
        let options = self.criteria.describe_options(self.wizard.kind());
        if options.is_empty() {
            self.criteria.describe()
        } else {
            format!("{} ({})", self.criteria.describe(), options.join(", "))
        }
    }

    pub fn is_profile(&self, id: &i64) -> bool {
        self.criteria.profile_answer == Some(*id)
    }
}

fn load_choices(conn: &mut PgConnection) -> QueryResult<(CodeChoices, Vec<ProfileChoice>)> {
    let mut codes = Vec::new();
    for f in FIELDS {
        if let Some(table) = f.codes {
            if !codes
                .iter()
                .any(|(t, _): &(&str, Vec<CodeOption>)| *t == table)
            {
                codes.push((table, setup::options(conn, table)?));
            }
        }
    }
    #[derive(QueryableByName)]
    struct P {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
        #[diesel(sql_type = diesel::sql_types::Text)]
        label: String,
    }
    let profile = diesel::sql_query(
        "SELECT a.id, q.description || ': ' || a.description AS label FROM profile_answers a \
         JOIN profile_questions q ON q.id = a.question_id \
         ORDER BY q.questionnaire_code, q.position, q.id, a.position, a.id",
    )
    .load::<P>(conn)?
    .into_iter()
    .map(|p| ProfileChoice {
        id: p.id,
        label: p.label,
    })
    .collect();
    Ok((codes, profile))
}

fn profile_label(choices: &[ProfileChoice], criteria: &mut Criteria) {
    if let Some(id) = criteria.profile_answer {
        criteria.profile_label = choices
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.label.clone())
            .unwrap_or_default();
    }
}

/// `GET /segments/{no}/add` (also reduce, refine): the filter form; with `preview` in the
/// query, also what the step would do. Reading only, so the preview can be bookmarked.
#[get("/segments/{no}/{step:add|reduce|refine}")]
pub async fn step_form(
    _staff: Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let (no, step) = path.into_inner();
    let wizard = Wizard::parse(&step).ok_or(AppError::NotFound)?;
    let pairs = query.into_inner();
    let wants_preview = pairs.iter().any(|(k, _)| k == "preview");
    let mut criteria = Criteria::from_pairs(&pairs);
    let apply_query = {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs.iter().filter(|(k, _)| k != "preview") {
            s.append_pair(k, v);
        }
        s.finish()
    };
    let c = criteria.clone();
    let (segment, codes, profile, preview, errors) = db(&state.pool, move |conn| {
        let segment = model::find_by_no(conn, &no)?.ok_or(AppError::NotFound)?;
        let (codes, profile) = load_choices(conn)?;
        let mut errors = Vec::new();
        let mut preview = None;
        if let Err(e) = c.parse() {
            errors = e;
        } else if wants_preview {
            let result = match wizard {
                Wizard::Add => steps::preview_add(conn, &segment, &Source::Criteria(&c), &c),
                Wizard::Reduce => steps::preview_remove(conn, &segment, &c, false),
                Wizard::Refine => steps::preview_remove(conn, &segment, &c, true),
            };
            match result {
                Ok(p) => preview = Some(p),
                Err(StepError::Invalid(e)) => errors = e,
                Err(StepError::Db(e)) => return Err(e.into()),
            }
        }
        Ok((segment, codes, profile, preview, errors))
    })
    .await?;
    profile_label(&profile, &mut criteria);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(
        status,
        &StepPage {
            layout,
            segment,
            wizard,
            criteria,
            errors,
            sections: Section::ALL,
            fields: FIELDS,
            codes,
            profile,
            preview,
            apply_query,
        },
    )
}

/// The sentence a flash gives after a step.
fn outcome_sentence(kind: StepKind, o: &Outcome) -> String {
    let n = |v: i64| thousands(v);
    let mut text = if kind.adds() {
        format!("Added {} contact(s)", n(o.added))
    } else {
        format!("Removed {} line(s)", n(o.removed))
    };
    let mut skipped = Vec::new();
    if o.skipped_excluded > 0 {
        skipped.push(format!("{} skipped as excluded", n(o.skipped_excluded)));
    }
    if o.skipped_blocked > 0 {
        skipped.push(format!(
            "{} skipped as privacy blocked",
            n(o.skipped_blocked)
        ));
    }
    if o.skipped_existing > 0 {
        skipped.push(format!("{} already present", n(o.skipped_existing)));
    }
    if !skipped.is_empty() {
        text.push_str("; ");
        text.push_str(&skipped.join(", "));
    }
    text.push('.');
    text
}

enum ApplyOutcome {
    Done(String),
    Invalid(Box<Segment>, Vec<FieldError>),
}

/// A step done, or its criteria refused.
pub(super) type StepResult = Result<(Segment, Outcome), (Segment, Vec<FieldError>)>;

/// Runs a step inside the caller's transaction, with the segment locked: checks it is a
/// draft, numbers the step, applies it, records it in the ledger and the audit trail.
#[allow(clippy::too_many_arguments)]
pub(super) fn run_step(
    conn: &mut PgConnection,
    no: &str,
    kind: StepKind,
    user: &CurrentUser,
    ip: &str,
    note: serde_json::Value,
    apply: impl FnOnce(&mut PgConnection, &Segment, i32) -> Result<Outcome, StepError>,
) -> Result<StepResult, AppError> {
    let segment = model::lock(conn, no)?.ok_or(AppError::NotFound)?;
    if !segment.is_draft() {
        return Err(AppError::Forbidden);
    }
    let seq = steps::next_seq(conn, segment.id)?;
    let outcome = match apply(conn, &segment, seq) {
        Ok(o) => o,
        Err(StepError::Invalid(errors)) => return Ok(Err((segment, errors))),
        Err(StepError::Db(e)) => return Err(e.into()),
    };
    steps::record(conn, &segment, seq, kind, &note, &outcome, user)?;
    if outcome.added + outcome.removed >= steps::BIG_CHANGE {
        crate::db::analyze_after("segment_lines");
    }
    audit::record(
        conn,
        Actor::User(user),
        "segment step",
        &segment.no,
        &format!("{kind}: +{} −{}", outcome.added, outcome.removed),
        ip,
    )?;
    Ok(Ok((segment, outcome)))
}

#[post("/segments/{no}/{step:add|reduce|refine}")]
pub async fn step_apply(
    req: HttpRequest,
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let (no, step) = path.into_inner();
    let wizard = Wizard::parse(&step).ok_or(AppError::NotFound)?;
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let mut criteria = Criteria::from_pairs(&form.into_inner());
    let c = criteria.clone();
    let outcome = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let (_, profile) = load_choices(conn)?;
            let mut c = c;
            profile_label(&profile, &mut c);
            let kind = wizard.kind();
            let note = stored::note(kind, &c, "");
            let result =
                run_step(
                    conn,
                    &no,
                    kind,
                    &user,
                    &ip,
                    note,
                    |conn, segment, seq| match wizard {
                        Wizard::Add => steps::add(conn, segment, seq, &Source::Criteria(&c), &c),
                        Wizard::Reduce => steps::remove(conn, segment, seq, &c, false),
                        Wizard::Refine => steps::remove(conn, segment, seq, &c, true),
                    },
                )?;
            match result {
                Ok((segment, outcome)) => {
                    session::set_flash(
                        conn,
                        &session,
                        Flash::success(format!(
                            "{}: {}",
                            wizard.title(),
                            outcome_sentence(kind, &outcome)
                        )),
                    )?;
                    Ok(ApplyOutcome::Done(segment.no))
                }
                Err((segment, errors)) => Ok(ApplyOutcome::Invalid(Box::new(segment), errors)),
            }
        })
    })
    .await?;
    match outcome {
        ApplyOutcome::Done(no) => Ok(redirect(&format!("/segments/{no}"))),
        ApplyOutcome::Invalid(segment, errors) => {
            let (codes, profile) = db(&state.pool, |conn| Ok(load_choices(conn)?)).await?;
            profile_label(&profile, &mut criteria);
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &StepPage {
                    layout,
                    segment: *segment,
                    wizard,
                    criteria,
                    errors,
                    sections: Section::ALL,
                    fields: FIELDS,
                    codes,
                    profile,
                    preview: None,
                    apply_query: String::new(),
                },
            )
        }
    }
}

#[derive(Deserialize)]
pub struct GoBackForm {
    /// Go back to just after this step (0: before the first). Default: undo the last step.
    #[serde(default)]
    to: Option<String>,
    /// The last step the user saw: when the ledger has changed since, nothing is undone.
    #[serde(default)]
    last: Option<String>,
}

impl GoBackForm {
    fn number(v: &Option<String>) -> Option<i32> {
        v.as_deref().and_then(|t| t.trim().parse::<i32>().ok())
    }
}

#[derive(Template)]
#[template(path = "segments/go_back.html")]
pub struct GoBackPage {
    pub layout: Layout,
    pub segment: Segment,
    /// The step gone back to (None: the start).
    pub kept: Option<Step>,
    pub undone: Vec<Step>,
    pub effect: UndoEffect,
}

/// `GET /segments/{no}/go-back?to=N`: what going back to step N undoes, to confirm (reading
/// only, like a preview).
#[get("/segments/{no}/go-back")]
pub async fn go_back_confirm(
    _staff: Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<GoBackForm>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let to = GoBackForm::number(&query.to);
    let (segment, ledger, history) = db(&state.pool, move |conn| {
        let segment = model::find_by_no(conn, &no)?.ok_or(AppError::NotFound)?;
        let ledger = steps::ledger(conn, segment.id)?;
        let history = steps::line_history(conn, segment.id)?;
        Ok((segment, ledger, history))
    })
    .await?;
    let last = ledger.last().map_or(0, |s| s.seq);
    if !segment.is_draft() || last == 0 {
        return Ok(redirect(&format!("/segments/{}", segment.no)));
    }
    let to = to.unwrap_or(last - 1).clamp(0, last - 1);
    let effect = UndoEffect::of(&history, to, last);
    let (kept, undone): (Vec<Step>, Vec<Step>) = ledger.into_iter().partition(|s| s.seq <= to);
    ok(&GoBackPage {
        layout,
        segment,
        kept: kept.into_iter().last(),
        undone,
        effect,
    })
}

#[post("/segments/{no}/go-back")]
pub async fn go_back(
    req: HttpRequest,
    Staff(user): Staff,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<GoBackForm>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let form = form.into_inner();
    let to = GoBackForm::number(&form.to);
    let seen_last = GoBackForm::number(&form.last);
    let location = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let segment = model::lock(conn, &no)?.ok_or(AppError::NotFound)?;
            if !segment.is_draft() {
                return Err(AppError::Forbidden);
            }
            let here = format!("/segments/{}", segment.no);
            let last = steps::next_seq(conn, segment.id)? - 1;
            if seen_last.is_some_and(|seen| seen != last) {
                session::set_flash(
                    conn,
                    &session,
                    Flash::error(format!(
                        "Nothing was undone: the steps of the segment changed meanwhile (it now has {last}). Look at them again before going back."
                    )),
                )?;
                return Ok(here);
            }
            let to = to.unwrap_or(last - 1).clamp(0, last);
            let flash = if last == 0 {
                Flash::error("There is no step to go back from.")
            } else if to == last {
                Flash::info("Nothing to undo.")
            } else {
                let effect = UndoEffect::of(&steps::line_history(conn, segment.id)?, to, last);
                let (undone, deleted, restored) = steps::go_back(conn, &segment, to)?;
                if (deleted + restored) as i64 >= steps::BIG_CHANGE {
                    crate::db::analyze_after("segment_lines");
                }
                audit::record(conn, Actor::User(&user), "segment go back", &segment.no, &format!("to step {to}: {undone} step(s) undone"), &ip)?;
                Flash::success(format!(
                    "Went back {}: {} step(s) undone, {} line(s) back, {} out.",
                    if to == 0 { "to the start".to_string() } else { format!("to step {to}") },
                    undone,
                    thousands(effect.back),
                    thousands(effect.out)
                ))
            };
            session::set_flash(conn, &session, flash)?;
            Ok(here)
        })
    })
    .await?;
    Ok(redirect(&location))
}

#[derive(Deserialize)]
pub struct LineForm {
    #[serde(default)]
    contact_no: String,
    #[serde(default)]
    ignore_exclusion: Option<String>,
}

/// How a manual add ended when it did not add the contact.
enum ManualAdd {
    /// The step ran and added nothing; its counts say why.
    Nothing(Outcome),
    Failed(AppError),
}

impl From<diesel::result::Error> for ManualAdd {
    fn from(e: diesel::result::Error) -> Self {
        ManualAdd::Failed(e.into())
    }
}

/// Adds one contact by hand, as an undoable step, under the same exclusion and privacy rules.
#[post("/segments/{no}/lines")]
pub async fn add_line(
    req: HttpRequest,
    Staff(user): Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<LineForm>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let form = form.into_inner();
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let here = no.clone();
    let outcome = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let typed = form.contact_no.trim().to_string();
            let actions = ActionForms {
                contact: typed.clone(),
                line_ignore_exclusion: form.ignore_exclusion.is_some(),
                ..Default::default()
            };
            if typed.is_empty() {
                return Ok(actions.refused("contact_no", "Enter a contact's No. or name."));
            }
            let contact = match crate::contacts::model::find_by_no(conn, &typed.to_uppercase())? {
                Some(c) => Some(c),
                None => {
                    // Not a No.: a name, if exactly one contact has it.
                    use crate::contacts::model::Contact;
                    use crate::db::schema::contacts as ct;
                    diesel::define_sql_function!(fn rapport_fold(x: diesel::sql_types::Text) -> diesel::sql_types::Text);
                    let named: Vec<Contact> = ct::table
                        .filter(rapport_fold(ct::name).eq(crate::db::fold(&typed)))
                        .select(Contact::as_select())
                        .order(ct::no)
                        .limit(6)
                        .load(conn)?;
                    match named.len() {
                        1 => named.into_iter().next(),
                        0 => None,
                        _ => {
                            let nos: Vec<&str> = named.iter().map(|c| c.no.as_str()).collect();
                            return Ok(actions.refused(
                                "contact_no",
                                format!(
                                    "Several contacts are called {typed} ({}…); add one by its No.",
                                    nos.join(", ")
                                ),
                            ));
                        }
                    }
                }
            };
            let Some(contact) = contact else {
                return Ok(actions.refused(
                    "contact_no",
                    format!("There is no contact {typed} (by No. or name)."),
                ));
            };
            let mut criteria = Criteria::default();
            criteria.options.ignore_exclusion = form.ignore_exclusion.is_some();
            let note = stored::note(
                StepKind::ManualAdd,
                &criteria,
                &format!("{} {}", contact.no, contact.name),
            );
            // The step runs under a savepoint: when it adds nothing (excluded, privacy
            // blocked, already present), the savepoint goes back and leaves neither a step
            // nor an audit entry.
            let attempt = conn.transaction::<_, ManualAdd, _>(|conn| {
                let result = run_step(
                    conn,
                    &no,
                    StepKind::ManualAdd,
                    &user,
                    &ip,
                    note,
                    |conn, segment, seq| {
                        steps::add(conn, segment, seq, &Source::Contact(contact.id), &criteria)
                    },
                )
                .map_err(ManualAdd::Failed)?;
                let (segment, outcome) = result.map_err(|_| {
                    ManualAdd::Failed(AppError::internal(anyhow::anyhow!(
                        "manual add has no filters"
                    )))
                })?;
                if outcome.added == 0 {
                    return Err(ManualAdd::Nothing(outcome));
                }
                Ok(segment)
            });
            let segment = match attempt {
                Ok(segment) => segment,
                Err(ManualAdd::Failed(e)) => return Err(e),
                Err(ManualAdd::Nothing(outcome)) => {
                    return Ok(actions.refused(
                        "contact_no",
                        format!(
                            "{} {} was not added: {}",
                            contact.no,
                            contact.name,
                            outcome_sentence(StepKind::ManualAdd, &outcome)
                        ),
                    ))
                }
            };
            session::set_flash(
                conn,
                &session,
                Flash::success(format!("{} {} added.", contact.no, contact.name)),
            )?;
            Ok(ActionOutcome::Done(format!("/segments/{}", segment.no)))
        })
    })
    .await?;
    respond(&state, layout, here, outcome).await
}

/// Removes one line by hand, as an undoable step.
#[post("/segments/{no}/lines/{line}/remove")]
pub async fn remove_line(
    req: HttpRequest,
    Staff(user): Staff,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (no, line) = path.into_inner();
    let line_id: i64 = line.parse().map_err(|_| AppError::NotFound)?;
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let location = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            // The segment is locked before the line is read: of two removals of one line, the
            // second sees it gone and records no step.
            let segment = model::lock(conn, &no)?.ok_or(AppError::NotFound)?;
            #[derive(QueryableByName)]
            struct L {
                #[diesel(sql_type = diesel::sql_types::Text)]
                label: String,
                #[diesel(sql_type = diesel::sql_types::Bool)]
                removed: bool,
            }
            let line = diesel::sql_query(
                "SELECT c.no || ' ' || c.name AS label, l.removed_by_step IS NOT NULL AS removed \
                 FROM segment_lines l JOIN contacts c ON c.id = l.contact_id \
                 WHERE l.id = $1 AND l.segment_id = $2",
            )
            .bind::<diesel::sql_types::BigInt, _>(line_id)
            .bind::<diesel::sql_types::BigInt, _>(segment.id)
            .get_result::<L>(conn)
            .optional()?
            .ok_or(AppError::NotFound)?;
            let label = line.label;
            if line.removed {
                session::set_flash(
                    conn,
                    &session,
                    Flash::info(format!(
                        "{label} is no longer on the segment: nothing was removed."
                    )),
                )?;
                return Ok(format!("/segments/{}#lines", segment.no));
            }
            let note = stored::note(StepKind::ManualRemove, &Criteria::default(), &label);
            let result = run_step(
                conn,
                &no,
                StepKind::ManualRemove,
                &user,
                &ip,
                note,
                |conn, segment, seq| Ok(steps::remove_line(conn, segment, seq, line_id)?),
            )?;
            let (segment, _) = result
                .map_err(|_| AppError::internal(anyhow::anyhow!("manual remove has no filters")))?;
            session::set_flash(conn, &session, Flash::success(format!("{label} removed.")))?;
            Ok(format!("/segments/{}#lines", segment.no))
        })
    })
    .await?;
    Ok(redirect(&location))
}
