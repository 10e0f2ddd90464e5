//! Apply Mailing Group: the preview, the application, and Undo.

use crate::admin::audit;
use crate::admin::audit::Actor;
use crate::auth::{client_ip, session, Role, SignedIn, Staff};
use crate::segments::domain::header;
use crate::segments::domain::header::Segment;
use crate::segments::domain::mailing::{self, applications, apply, preview, undo, Listed, Preview};
use crate::segments::pages::on_locked_segment;
use crate::setup::CodeList;
use crate::web::filters;
use crate::web::pagination::thousands;
use crate::web::{long, redirect, render, AppError, AppResult, Flash, Layout};
use crate::{setup, AppState};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

// ---- pages ------------------------------------------------------------------------------------

#[derive(Deserialize)]
pub struct MailingQuery {
    #[serde(default)]
    code: String,
    #[serde(default)]
    remove_others: Option<String>,
    /// Sent by "Show what it does": the group was to be chosen (the first view has none).
    #[serde(default)]
    show: Option<String>,
    /// The counts the preview showed (the Apply form carries them): applying does what was
    /// shown, or nothing.
    #[serde(default)]
    gain: Option<i64>,
    #[serde(default)]
    lose: Option<i64>,
    /// Who the preview showed gaining and losing (`mailing::Preview::who`).
    #[serde(default)]
    who: String,
}

/// Why an application was taken back before it was kept.
enum Applying {
    Failed(diesel::result::Error),
    /// It would have changed other numbers of contacts than the preview showed: these.
    NotAsShown(i64, i64),
}

impl From<diesel::result::Error> for Applying {
    fn from(e: diesel::result::Error) -> Self {
        Applying::Failed(e)
    }
}

#[derive(Template)]
#[template(path = "segments/mailing_group.html")]
pub struct MailingPage {
    pub layout: Layout,
    pub segment: Segment,
    pub groups: CodeList,
    pub code: String,
    pub remove_others: bool,
    pub preview: Option<Preview>,
    pub error: Option<String>,
    pub applications: Vec<Listed>,
    /// Whether the user may apply and undo (a viewer reads the preview and the history).
    pub can_edit: bool,
}

impl MailingPage {
    /// Said instead of the form on a canceled segment's page.
    pub fn canceled(&self) -> String {
        canceled(&self.segment.no)
    }
}

/// Why a canceled segment applies no mailing group.
fn canceled(no: &str) -> String {
    format!(
        "Segment {no} is canceled: its interactions no longer count, so it gives no mailing \
         group. Restore it first. Its applications can still be undone below."
    )
}

/// Apply Mailing Group, first step: choose the group, see who gains and who loses it.
#[get("/segments/{no}/apply-mailing-group")]
pub async fn page(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<MailingQuery>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let query = query.into_inner();
    let code = query.code.trim().to_uppercase();
    let remove_others = query.remove_others.is_some();
    let shown = query.show.is_some();
    let c = code.clone();
    let (segment, groups, preview, error, applications) = long(&state.long_pool, move |conn| {
        let segment = header::find_by_no(conn, &no)?.ok_or(AppError::NotFound)?;
        let groups = setup::options(conn, "mailing_groups")?;
        let (p, error) = if segment.is_canceled() {
            (None, None)
        } else if c.is_empty() && shown {
            (None, Some("Specify a Mailing Group Code.".to_string()))
        } else if c.is_empty() {
            (None, None)
        } else if !groups.iter().any(|g| g.code == c) {
            (None, Some(format!("There is no mailing group {c}.")))
        } else {
            (Some(preview(conn, &segment, &c, remove_others)?), None)
        };
        let applications = applications(conn, &segment)?;
        Ok((segment, groups, p, error, applications))
    })
    .await?;
    let status = crate::web::status_of(error.is_some());
    render(
        status,
        &MailingPage {
            layout,
            segment,
            groups,
            code,
            remove_others,
            preview,
            error,
            applications,
            can_edit: user.role >= Role::Staff,
        },
    )
}

/// Apply Mailing Group: every member gets the group; optionally contacts outside the segment
/// lose it; recorded for Undo.
#[post("/segments/{no}/apply-mailing-group")]
pub async fn apply_page(
    req: HttpRequest,
    Staff(user): Staff,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<MailingQuery>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let form = form.into_inner();
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let location = long(&state.long_pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let segment = super::locked(conn, &no)?;
            let here = format!("/segments/{}/apply-mailing-group", segment.no);
            if segment.is_canceled() {
                session::set_flash(conn, &session, Flash::error(canceled(&segment.no)))?;
                return Ok(here);
            }
            let code = form.code.trim().to_uppercase();
            let remove_others = form.remove_others.is_some();
            let query = if remove_others {
                "&remove_others=on"
            } else {
                ""
            };
            let again = format!(
                "{here}?code={}{query}",
                crate::setup::support::path_segment(&code)
            );
            if code.is_empty() || !setup::code_exists(conn, "mailing_groups", &code)? {
                // The form again, as chosen, with why by the field (deleted since the
                // preview, or never a group).
                return Ok(format!("{again}&show=1"));
            }
            // In a savepoint: taken back when the segment or the contacts changed since the
            // preview, so that what the user confirmed is what is done.
            let applied = conn.transaction::<_, Applying, _>(|conn| {
                let done = apply(conn, &segment, &code, remove_others, &user)?;
                let shown = (form.gain, form.lose.filter(|_| remove_others));
                // The same numbers of other contacts are not what was shown either.
                let others = !form.who.is_empty()
                    && form.who != crate::segments::domain::mailing::applied_who(conn, done.id)?;
                match shown {
                    (Some(gain), lose)
                        if gain != done.gained
                            || lose.is_some_and(|l| l != done.lost)
                            || others =>
                    {
                        Err(Applying::NotAsShown(done.gained, done.lost))
                    }
                    _ => Ok(done),
                }
            });
            let done = match applied {
                Ok(done) => done,
                Err(Applying::Failed(e)) => return Err(e.into()),
                Err(Applying::NotAsShown(gain, lose)) => {
                    let others = if remove_others {
                        format!(" and {} to lose it", thousands(lose))
                    } else {
                        String::new()
                    };
                    // A second sending of the form (a double click) leaves the first one's
                    // message, which says what was done.
                    session::set_flash_unless_waiting(
                        conn,
                        &session,
                        Flash::error(format!(
                            "Nothing was applied: the segment or its contacts changed since the \
                             preview, which now finds {} to gain {code}{others}. If the form was \
                             sent twice, its first sending applied it (see below). \
                             Check them below and apply again.",
                            crate::web::pagination::counted(gain, "contact", "contacts")
                        )),
                    )?;
                    return Ok(again);
                }
            };
            audit::record(
                conn,
                Actor::User(&user),
                "apply mailing group",
                &segment.no,
                &format!("{code}: +{} −{}", done.gained, done.lost),
                &ip,
            )?;
            session::set_flash(
                conn,
                &session,
                Flash::success(format!(
                    "Mailing group {code} given to {}{}. Undo it below if it was not meant.",
                    crate::web::pagination::counted(done.gained, "contact", "contacts"),
                    if remove_others {
                        format!(
                            " and removed from {} outside the segment",
                            crate::web::pagination::counted(done.lost, "contact", "contacts")
                        )
                    } else {
                        String::new()
                    }
                )),
            )?;
            Ok(format!("{here}#applications-heading"))
        })
    })
    .await?;
    Ok(redirect(&location))
}

/// Undoes one application of this segment.
#[post("/segments/{no}/apply-mailing-group/{id}/undo")]
pub async fn undo_page(
    req: HttpRequest,
    Staff(user): Staff,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (no, id) = path.into_inner();
    let id: i64 = id.trim().parse().map_err(|_| AppError::NotFound)?;
    on_locked_segment(&req, &state, no, move |conn, segment, ip| {
        let application =
            mailing::find_application(conn, &segment, id)?.ok_or(AppError::NotFound)?;
        let flash = if application.undone_at.is_some() {
            Flash::info(format!("{} was undone already.", application.sentence(0)))
        } else {
            let done = undo(conn, &application, &user)?;
            audit::record(
                conn,
                Actor::User(&user),
                "undo mailing group",
                &segment.no,
                &format!("{}: −{} +{}", application.code, done.taken, done.given),
                ip,
            )?;
            let kept = if done.kept > 0 {
                format!(
                    " {} keep{} it: a later application of {} counts \
                     on {}, and its Undo takes it back.",
                    crate::web::pagination::counted(done.kept as i64, "contact", "contacts"),
                    if done.kept == 1 { "s" } else { "" },
                    application.code,
                    if done.kept == 1 { "it" } else { "them" },
                )
            } else {
                String::new()
            };
            Flash::success(format!(
                "Undone: {} taken back from {}, given back to {}.{kept}",
                application.code,
                crate::web::pagination::counted(done.taken as i64, "contact", "contacts"),
                thousands(done.given as i64)
            ))
        };
        Ok((
            flash,
            format!("/segments/{}/apply-mailing-group", segment.no),
        ))
    })
    .await
}
