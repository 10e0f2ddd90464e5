//! `/contacts/{no}`: the card, and the classifications and profile saved from it.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;

use crate::web::filters;
use diesel::prelude::*;
use serde::Deserialize;

use crate::auth::{session, SignedIn, Staff};
use crate::contacts::domain::card::{self, Card, Classification};
use crate::contacts::domain::model;
use crate::setup;
use crate::web::pagination::thousands;
use crate::web::AppState;
use crate::web::{db, redirect, AppError, AppResult, Flash, Layout};

#[derive(Template)]
#[template(path = "contacts/show.html")]
pub struct CardPage {
    pub layout: Layout,
    pub card: Card,
    pub can_edit: bool,
    /// Why the profile answers were refused (shown in the Profile section).
    pub profile_error: Option<String>,
    /// The "why" form's segment No. as typed, and why it could not be explained.
    pub why: Option<(String, String)>,
}

impl CardPage {
    pub fn persons_text(&self) -> String {
        thousands(self.card.persons_total)
    }
}

#[get("/contacts/{no}")]
pub async fn show(
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<card::CardQuery>,
) -> AppResult<HttpResponse> {
    let no = path.into_inner();
    let query = query.into_inner();
    let (card, why) = db(&state.pool, move |conn| {
        let card = card::find(conn, &no, &query)?.ok_or(AppError::NotFound)?;
        let why = match query.why {
            Some(typed) => why_refused(conn, typed.trim())?,
            None => None,
        };
        Ok((card, why))
    })
    .await?;
    let status = match why {
        Some(_) => actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
        None => actix_web::http::StatusCode::OK,
    };
    crate::web::render(
        status,
        &CardPage {
            layout,
            card,
            can_edit: user.role >= crate::auth::Role::Staff,
            profile_error: None,
            why,
        },
    )
}

/// The "why" form's segment No. (`typed`) with why it cannot be explained: none typed, or no
/// segment has it. `None` when it names a segment (made meanwhile).
fn why_refused(conn: &mut PgConnection, typed: &str) -> AppResult<Option<(String, String)>> {
    if typed.is_empty() {
        return Ok(Some((
            String::new(),
            "Enter the segment's No., e.g. SM00001, to see why the contact is on it or not."
                .to_string(),
        )));
    }
    let known = crate::segments::domain::header::find_by_no(conn, typed)?.is_some();
    Ok((!known).then(|| {
        (
            typed.to_string(),
            format!("There is no segment {}.", typed.to_uppercase()),
        )
    }))
}

#[derive(Deserialize)]
pub struct ClassificationForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    code: String,
    /// `add` or `remove`.
    #[serde(default)]
    action: String,
}

/// A card's form sent for contact `no`, deleted after the card was opened: who deleted it
/// and when, and that nothing was saved.
fn contact_gone(conn: &mut PgConnection, no: &str) -> AppError {
    crate::admin::audit::gone_meanwhile(conn, ("contact deleted", "contact", no), "/contacts")
}

/// What `code` of setup table `table` is called now, when an administrator renamed it since
/// the card was shown ([`crate::setup::support::renamed_since`]).
fn renamed_since(conn: &mut PgConnection, table: &str, code: &str) -> QueryResult<Option<String>> {
    match crate::setup::registry::by_table(table) {
        Some(table) => crate::setup::support::renamed_since(conn, table, code),
        None => Ok(None),
    }
}

#[post("/contacts/{no}/classifications")]
pub async fn classify(
    req: HttpRequest,
    _staff: Staff,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ClassificationForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let session = session::current(&req)?;
    let no = path.into_inner();
    let location = db(&state.pool, move |conn| {
        conn.transaction::<_, AppError, _>(|conn| {
            let Some(mut contact) = model::find_by_no(conn, &no)? else {
                return Err(contact_gone(conn, &no));
            };
            // Its type once locked: a type change saved meanwhile is waited for and seen (a
            // person was left holding an industry group, hidden on its card).
            contact.kind = model::lock_kind(conn, contact.id)?;
            let code = form.code.trim().to_uppercase();
            let flash = match Classification::find(&form.kind) {
                None => Flash::error("Choose what to assign."),
                Some(c) if !c.applies_to(&contact) => Flash::error(format!(
                    "{} are not assigned to a {}.",
                    c.title,
                    contact.type_label().to_lowercase()
                )),
                Some(_) if code.is_empty() => Flash::error("Choose a code to assign."),
                Some(c) if form.action == "remove" => {
                    let renamed = renamed_since(conn, c.codes, &code)?;
                    let removed = c.remove(conn, contact.id, &code)?;
                    let removed_renamed = match (&renamed, removed) {
                        (Some(to), false) => c.remove(conn, contact.id, to)?,
                        _ => false,
                    };
                    if removed {
                        Flash::success(format!("{code} removed from {}.", c.title.to_lowercase()))
                    } else if let Some(to) = renamed.filter(|_| removed_renamed) {
                        Flash::success(format!(
                            "{to} (renamed from {code} since this card was shown) removed from {}.",
                            c.title.to_lowercase()
                        ))
                    } else {
                        // Removed by a colleague since the card was shown, or never there.
                        Flash::info(format!(
                            "{code} was not among its {}: nothing was removed.",
                            c.title.to_lowercase()
                        ))
                    }
                }
                Some(c) => {
                    // Chosen from a list shown before the code was renamed: added under its
                    // name now, and said (it was "there is no code").
                    let (code, was) = match renamed_since(conn, c.codes, &code)? {
                        Some(to) => (to, Some(code)),
                        None => (code, None),
                    };
                    let named = match &was {
                        Some(was) => {
                            format!("{code} (renamed from {was} since this card was shown)")
                        }
                        None => code.clone(),
                    };
                    if !setup::code_exists(conn, c.codes, &code)? {
                        Flash::error(format!(
                            "There is no code {code} in {}.",
                            c.title.to_lowercase()
                        ))
                    } else if c.add(conn, contact.id, &code)? {
                        Flash::success(format!("{named} added to {}.", c.title.to_lowercase()))
                    } else {
                        Flash::info(format!("{named} was already assigned."))
                    }
                }
            };
            session::set_flash(conn, &session, flash)?;
            // Only a known kind names the section to return to; what was typed never goes
            // into the Location header.
            Ok(match Classification::find(&form.kind) {
                Some(c) => format!(
                    "{}#{}",
                    model::card_href(&contact.no),
                    c.kind.replace('_', "-")
                ),
                None => model::card_href(&contact.no),
            })
        })
    })
    .await?;
    Ok(redirect(&location))
}

/// Profile answers are all saved or none: a bad answer, or one someone else changed since
/// the card showed it (the questions), rolls the transaction back.
enum ProfileError {
    /// An answer that is not one of its question's choices, with the question's text (a
    /// choice deleted since the card was opened), if it is known.
    BadAnswer(Option<String>),
    /// The questionnaires that do not apply to the contact's type (as locked), and that type.
    NotApplying(Vec<String>, String),
    ChangedMeanwhile(Vec<String>),
    App(AppError),
}

impl From<diesel::result::Error> for ProfileError {
    fn from(e: diesel::result::Error) -> Self {
        ProfileError::App(e.into())
    }
}

/// The question a profile form field answers (`q_12`).
fn question_of(key: &str) -> Option<i64> {
    key.strip_prefix("q_").and_then(|q| q.parse::<i64>().ok())
}

#[post("/contacts/{no}/profile")]
pub async fn profile(
    req: HttpRequest,
    _staff: Staff,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let pairs = form.into_inner();
    let session = session::current(&req)?;
    let no = path.into_inner();
    let outcome = db(&state.pool, move |conn| {
        let Some(mut contact) = model::find_by_no(conn, &no)? else {
            return Err(contact_gone(conn, &no));
        };
        // What the card showed (`was_q_…`): a question left as shown is not written, so a
        // colleague's answer given meanwhile stays; one changed over a colleague's is refused.
        let shown: std::collections::HashMap<i64, &str> = pairs
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("was_")
                    .and_then(question_of)
                    .map(|q| (q, v.trim()))
            })
            .collect();
        // The questions answered anew, whose questionnaires must apply to the contact: not
        // those left as shown nor those cleared. (Every question of the card was checked, and
        // a questionnaire narrowed since the card was opened refused every answer.)
        let asked: Vec<i64> = pairs
            .iter()
            .filter_map(|(k, v)| {
                let typed = v.trim();
                question_of(k)
                    .filter(|q| !typed.is_empty() && shown.get(q).is_none_or(|was| *was != typed))
            })
            .collect();
        let saved = conn.transaction::<_, ProfileError, _>(|conn| {
            // The questionnaires are checked against the type as it is once the contact is
            // locked: a type change saved meanwhile is waited for and seen (before, a person
            // could be left with answers to a questionnaire for companies).
            let kind = model::lock_kind(conn, contact.id)?;
            let refused =
                crate::contacts::domain::profile::questionnaires_not_applying(conn, &asked, &kind)?;
            if !refused.is_empty() {
                return Err(ProfileError::NotApplying(refused, kind));
            }
            let mut changed_meanwhile = Vec::new();
            let mut questions_gone: i64 = 0;
            for (key, value) in &pairs {
                let Some(question) = question_of(key) else {
                    continue;
                };
                let typed = value.trim();
                let answer = match typed {
                    "" => None,
                    v => Some(
                        v.parse::<i64>()
                            .map_err(|_| ProfileError::BadAnswer(None))?,
                    ),
                };
                if let Some(was) = shown.get(&question) {
                    if *was == typed {
                        continue;
                    }
                    let (now, text) =
                        crate::contacts::domain::profile::answer_now(conn, contact.id, question)?;
                    let now = now.map(|a| a.to_string()).unwrap_or_default();
                    // Answered meanwhile as typed here (the form sent twice, a double click,
                    // or a colleague's same answer): nothing to choose between.
                    if now == typed {
                        continue;
                    }
                    if now != *was {
                        changed_meanwhile.push(text);
                        continue;
                    }
                }
                if !crate::contacts::domain::profile::set_answer(
                    conn, contact.id, question, answer,
                )? {
                    let (_, text) =
                        crate::contacts::domain::profile::answer_now(conn, contact.id, question)?;
                    if text.is_empty() {
                        // The question was deleted since the card was shown: nothing of it to
                        // save, and no reason to lose the other answers ("An answer did not
                        // match its question; nothing was saved").
                        questions_gone += 1;
                        continue;
                    }
                    return Err(ProfileError::BadAnswer(Some(text)));
                }
            }
            if changed_meanwhile.is_empty() {
                Ok(questions_gone)
            } else {
                Err(ProfileError::ChangedMeanwhile(changed_meanwhile))
            }
        });
        let flash = match saved {
            Ok(0) => Flash::success("Profile answers saved."),
            Ok(gone) => Flash::success(format!(
                "Profile answers saved, but for {}: deleted after you opened the card.",
                crate::web::pagination::counted(gone, "question", "questions")
            )),
            Err(ProfileError::BadAnswer(None)) => {
                Flash::error("An answer did not match its question; nothing was saved.")
            }
            Err(ProfileError::BadAnswer(Some(question))) => Flash::error(format!(
                "The answer chosen for {question} is no longer one of its choices (it was \
                 deleted after you opened the card): nothing was saved. Choose again."
            )),
            Err(ProfileError::ChangedMeanwhile(questions)) => Flash::error(format!(
                "Someone else answered {} after you opened the card: nothing was saved. The card \
                 shows the answers as they are now; choose yours again.",
                questions.join(", ")
            )),
            Err(ProfileError::NotApplying(refused, kind)) => {
                contact.kind = kind;
                let message = format!(
                    "{} {} not apply to {} {}, a {}: nothing was saved.",
                    refused.join(", "),
                    if refused.len() == 1 { "does" } else { "do" },
                    contact.no,
                    contact.name,
                    contact.type_label().to_lowercase()
                );
                let card = card::find(conn, &contact.no, &card::CardQuery::default())?
                    .ok_or(AppError::NotFound)?;
                return Ok(Err((Box::new(card), message)));
            }
            Err(ProfileError::App(e)) => return Err(e),
        };
        session::set_flash(conn, &session, flash)?;
        Ok(Ok(format!("{}#profile", model::card_href(&contact.no))))
    })
    .await?;
    match outcome {
        Ok(location) => Ok(redirect(&location)),
        Err((card, message)) => crate::web::unprocessable(&CardPage {
            why: None,
            layout,
            card: *card,
            can_edit: true,
            profile_error: Some(message),
        }),
    }
}
