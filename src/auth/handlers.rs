//! Sign-in, sign-out and first-run setup.

use actix_web::{get, http::StatusCode, post, web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use super::carry::Carried;
use super::{client_ip, session, setup, throttle, users, SessionData};
use crate::admin::audit::{self, Actor};
use crate::web::forms::safe_next;
use crate::web::AppState;
use crate::web::{db, ok, redirect, render, AppError, AppResult, Flash, FormErrors, Layout};

#[derive(Template)]
#[template(path = "auth/login.html")]
pub struct LoginPage {
    pub layout: Layout,
    pub username: String,
    pub next: String,
    /// Said above the form, not an error (the first-run link used up).
    pub notice: Option<String>,
    pub error: Option<String>,
    /// The key of a form sent after its session had ended, kept for its user until they have
    /// signed in again (see `auth::carry`).
    pub kept: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
    /// Set when a form of a session that had ended was sent (see `session::middleware`).
    #[serde(default)]
    ended: String,
    /// Set when a sign-in form was sent after the page had been open too long.
    #[serde(default)]
    expired: String,
    /// Set when the first-run link was opened or sent after an administrator was created.
    #[serde(default)]
    set_up: String,
}

/// Said above the sign-in form when the first-run link is opened or sent again (a double
/// click, the link kept) after the first administrator was created. It was a 404.
pub const SET_UP_ALREADY: &str = "The first administrator has been created, so the first-run \
     link is used up. Sign in.";

/// Said above the sign-in form when a form was sent after its session had ended.
pub const SESSION_ENDED: &str = "Your session had ended (unused for a while, signed out in \
     another tab, or ended by an administrator who set a new password or disabled the \
     account), so what you last sent was not saved. Sign in to go back to that page, and send \
     it again.";

#[get("/login")]
pub async fn login_form(layout: Layout, query: web::Query<LoginQuery>) -> AppResult<HttpResponse> {
    let next = safe_next(&query.next);
    if layout.user.is_some() {
        return Ok(redirect(next.as_deref().unwrap_or("/")));
    }
    ok(&LoginPage {
        layout,
        username: String::new(),
        next: next.unwrap_or_default(),
        notice: (!query.set_up.is_empty()).then(|| SET_UP_ALREADY.to_string()),
        error: if !query.ended.is_empty() {
            Some(SESSION_ENDED.to_string())
        } else if !query.expired.is_empty() {
            Some(SIGN_IN_PAGE_EXPIRED.to_string())
        } else {
            None
        },
        kept: None,
    })
}

/// Said above the sign-in form that carries a form sent after its session had ended.
pub const SESSION_ENDED_KEPT: &str = "Your session had ended (unused for a while, or open longer \
     than a session may be), so what you sent has not been saved yet. It is kept for you: sign \
     in again, and the next page lets you send it.";

/// Said after signing in on a page that kept a form, when it is no longer there.
pub const KEPT_GONE: &str = "The form kept for you when your session ended is no longer there \
     (a form is kept for twelve hours, for the user it was sent by): open it again and send it.";

/// "Send what you typed?" for the user of `session`, now signed in.
pub fn resume_page(
    req: &HttpRequest,
    session: &SessionData,
    page: String,
    carried: Carried,
) -> AppResult<HttpResponse> {
    ok(&ResumePage {
        layout: Layout::of_session(req, Some(session)),
        page,
        fields: carried.fields(),
        carried,
    })
}

/// The sign-in page that answers a form sent after its session had ended, the form kept for
/// `username` under `key` (`page`: where it was sent from). Shown at the form's address:
/// nothing is done there.
pub fn ended_sign_in(
    req: &HttpRequest,
    page: String,
    key: String,
    username: String,
) -> AppResult<HttpResponse> {
    ok(&LoginPage {
        layout: Layout::from_request(req),
        username,
        next: page,
        notice: None,
        error: Some(SESSION_ENDED_KEPT.to_string()),
        kept: Some(key),
    })
}

/// After signing in again: the form that was sent after the session had ended, to send now
/// with this session's token, or not.
#[derive(Template)]
#[template(path = "auth/resume.html")]
pub struct ResumePage {
    pub layout: Layout,
    /// The page the form was sent from.
    pub page: String,
    pub carried: Carried,
    pub fields: Vec<(String, String)>,
}

/// Said above the sign-in form when one was sent after its page had been open too long.
pub const SIGN_IN_PAGE_EXPIRED: &str = "This sign-in page had been open too long to be used, so \
     you were not signed in. Sign in again here.";

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
    /// The key of a form kept since its session ended (see `auth::carry`).
    #[serde(default)]
    kept: String,
}

enum LoginOutcome {
    SignedIn(Box<session::NewSession>),
    Failed,
    /// The password was right, but the user is disabled.
    Disabled,
    Throttled(u64),
}

#[post("/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    layout: Layout,
    form: web::Form<LoginForm>,
) -> AppResult<HttpResponse> {
    let mut form = form.into_inner();
    let password = std::mem::take(&mut form.password);
    let old = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let config = state.config.clone();
    let username = form.username.trim().to_string();
    let typed = username.clone();
    // What is recorded of the name typed (failures, the audit trail): no user name is longer
    // than 50 characters, and a name of 256 KiB written on every try filled the trail.
    let recorded = users::recorded_name(&username);
    let outcome = db(&state.pool, move |conn| {
        // The try counts as a failure until it succeeds.
        let refused = |conn: &mut PgConnection, wait: throttle::Wait| {
            if throttle::throttled_recorded(conn, "sign-in throttled", &recorded, &ip, wait)? {
                return Ok(());
            }
            let detail = wait.detail();
            audit::record(
                conn,
                Actor::Anonymous,
                "sign-in throttled",
                &recorded,
                detail,
                &ip,
            )
        };
        if let Some(wait) = throttle::admit(conn, &recorded, &ip, refused)? {
            return Ok(LoginOutcome::Throttled(wait.secs));
        }
        let (user, password_right) = users::check_password(conn, &username, &password)?;
        let verified = password_right && user.as_ref().is_some_and(|u| u.active);
        let created = match &user {
            Some(user) if verified => conn.transaction(|conn| {
                // Changed or disabled while the password was being checked: refused.
                if !users::still_verified(conn, user)? {
                    return Ok(None);
                }
                let current = user.current();
                // A fresh session id: the one used before signing in is dead.
                session::destroy(conn, &old.key_hash)?;
                let created = session::create(conn, Some(current.clone()), None)?;
                throttle::clear(conn, &user.username)?;
                throttle::remember_address(conn, user.id, &ip)?;
                session::prune(conn, &config)?;
                audit::record(
                    conn,
                    Actor::User(&current),
                    "sign-in",
                    &user.username,
                    "",
                    &ip,
                )?;
                Ok::<_, diesel::result::Error>(Some(created))
            })?,
            _ => None,
        };
        match (user, created) {
            (_, Some(created)) => Ok(LoginOutcome::SignedIn(Box::new(created))),
            (other, None) => {
                let disabled = password_right && other.as_ref().is_some_and(|u| !u.active);
                let detail = match other {
                    None => "unknown user name",
                    // Whether the password was right tells its owner trying to get back in
                    // from someone guessing at a disabled account.
                    Some(u) if !u.active && password_right => "user disabled",
                    Some(u) if !u.active => "wrong password (user disabled)",
                    Some(_) if verified => "password changed or user disabled while signing in",
                    Some(_) => "wrong password",
                };
                // The failure was counted when the try was admitted.
                audit::record(
                    conn,
                    Actor::Anonymous,
                    "sign-in failed",
                    &recorded,
                    detail,
                    &ip,
                )?;
                Ok(if disabled {
                    LoginOutcome::Disabled
                } else {
                    LoginOutcome::Failed
                })
            }
        }
    })
    .await?;
    match outcome {
        LoginOutcome::SignedIn(created) => {
            let next = safe_next(&form.next).unwrap_or_else(|| "/".into());
            // The form kept for this user; one kept for another is dropped.
            let key = std::mem::take(&mut form.kept);
            let carried = match created.data.user.clone() {
                Some(user) if !key.is_empty() => {
                    let shown = created.data.clone();
                    db(&state.pool, move |conn| {
                        let found = super::carry::find(conn, &key, user.id)?;
                        if found.is_none() {
                            // Said, not passed over: the sign-in page promised it.
                            session::set_flash(conn, &shown, Flash::info(KEPT_GONE))?;
                        }
                        Ok(found)
                    })
                    .await?
                }
                _ => None,
            };
            match carried {
                Some(carried) => {
                    let mut res = resume_page(&req, &created.data, next, carried)?;
                    res.add_cookie(&session::session_cookie(&state.config, &created.key))
                        .map_err(|e| AppError::Internal(e.into()))?;
                    Ok(res)
                }
                None => Ok(session::redirect_with_session(
                    &state.config,
                    &created.key,
                    &next,
                )),
            }
        }
        // The sign-in form again, with what it held (a form kept since a session ended among
        // it: a throttled sign-in's bare 429 page lost its key), saying why.
        refused => {
            let (status, error, retry_after) = match refused {
                LoginOutcome::Throttled(wait) => (
                    StatusCode::TOO_MANY_REQUESTS,
                    format!(
                        "Too many attempts in a short time. Please wait {} and try again.",
                        crate::web::pages::human_wait(wait)
                    ),
                    Some(wait),
                ),
                LoginOutcome::Disabled => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "This account is disabled, so it cannot sign in. Ask an administrator to \
                     enable it."
                        .to_string(),
                    None,
                ),
                _ => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "The user name or password is incorrect.".to_string(),
                    None,
                ),
            };
            let mut res = render(
                status,
                &LoginPage {
                    layout,
                    username: typed,
                    next: safe_next(&form.next).unwrap_or_default(),
                    notice: None,
                    kept: (!form.kept.is_empty()).then(|| form.kept.clone()),
                    error: Some(error),
                },
            )?;
            if let Some(wait) = retry_after {
                res.headers_mut().insert(
                    actix_web::http::header::RETRY_AFTER,
                    actix_web::http::header::HeaderValue::from(wait),
                );
            }
            Ok(res)
        }
    }
}

#[post("/logout")]
pub async fn logout(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let current: SessionData = session::current(&req)?;
    if current.user.is_none() {
        // No one signed in (a sign-in page left open after its session ended): nothing to end,
        // and a visitor without a session gets no row.
        let key_hash = current.key_hash.clone();
        db(&state.pool, move |conn| {
            Ok(session::destroy(conn, &key_hash)?)
        })
        .await?;
        return Ok(crate::web::redirect("/login"));
    }
    let ip = client_ip(&req, state.config.trust_proxy);
    let created = db(&state.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            session::destroy(conn, &current.key_hash)?;
            if let Some(user) = &current.user {
                audit::record(conn, Actor::User(user), "sign-out", &user.username, "", &ip)?;
            }
            session::create(conn, None, Some(Flash::info("You have signed out.")))
        })?)
    })
    .await?;
    Ok(session::redirect_with_session(
        &state.config,
        &created.key,
        "/login",
    ))
}

#[derive(Template)]
#[template(path = "auth/setup.html")]
pub struct SetupPage {
    pub layout: Layout,
    pub token: String,
    pub username: String,
    pub display_name: String,
    pub errors: FormErrors,
}

#[derive(Deserialize)]
pub struct SetupQuery {
    #[serde(default)]
    token: String,
}

/// `/setup` is two pages: with a `token`, the first-run page that creates the first
/// administrator; without, the index of the setup tables (for signed-in users).
#[get("/setup")]
pub async fn setup_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    layout: Layout,
    query: web::Query<SetupQuery>,
) -> AppResult<HttpResponse> {
    let token = query.into_inner().token;
    if token.is_empty() {
        let user = {
            use actix_web::FromRequest;
            super::SignedIn::extract(&req).await?.0
        };
        return crate::setup::index_page(user, layout, state).await;
    }
    let t = token.clone();
    let (admin_exists, valid) = db(&state.pool, move |conn| {
        Ok((users::admin_exists(conn)?, setup::token_is_valid(conn, &t)?))
    })
    .await?;
    if admin_exists {
        return Ok(redirect("/login?set_up=1"));
    }
    if !valid {
        // Said what to do: a link cut short or mistyped, or replaced by a newer start's, was
        // "Page not found" and nothing more, to the one person who is to set Rapport up.
        let page = crate::web::pages::ErrorPage {
            layout,
            status: 404,
            title: "This setup link is not valid",
            message: "Rapport has no administrator yet, and this first-run link is none of \
                      those it printed: it was most likely cut short or mistyped (every link a \
                      start of the service printed works until the first administrator is \
                      made). Copy the whole link from the service's log (journalctl -u \
                      rapport), restart the service for a new one, or make the first \
                      administrator on the server: rapport user add NAME --role admin."
                .to_string(),
            back: None,
            back_label: "",
        };
        return render(actix_web::http::StatusCode::NOT_FOUND, &page);
    }
    ok(&SetupPage {
        layout,
        token,
        username: String::new(),
        display_name: String::new(),
        errors: FormErrors::new(),
    })
}

#[derive(Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
}

enum SetupOutcome {
    /// With the key of the session that carries the flash, when one had to be created.
    Created(Option<String>),
    Invalid(FormErrors),
    /// An administrator exists (this form sent twice, or the link kept): sign in.
    SetUpAlready,
    LinkDead,
}

#[post("/setup")]
pub async fn setup_create(
    req: HttpRequest,
    state: web::Data<AppState>,
    layout: Layout,
    form: web::Form<SetupForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let ip = client_ip(&req, state.config.trust_proxy);
    let session = session::current(&req)?;
    let new = users::NewUser {
        username: form.username.clone(),
        display_name: form.display_name.clone(),
        role: "admin".into(),
        salesperson_code: String::new(),
        password: form.password.clone(),
        password_confirmation: form.password_confirmation.clone(),
    }
    .trimmed();
    let token = form.token.clone();
    let outcome = db(&state.pool, move |conn| {
        let result = conn.transaction(|conn| {
            // Serialise concurrent uses of the link; the token is spent with the creation.
            diesel::sql_query("LOCK TABLE setup_tokens IN EXCLUSIVE MODE").execute(conn)?;
            if users::admin_exists(conn)? {
                return Ok(SetupOutcome::SetUpAlready);
            }
            if !setup::token_is_valid(conn, &token)? {
                return Ok(SetupOutcome::LinkDead);
            }
            match users::create(conn, &new) {
                Ok(user) => {
                    setup::consume(conn, &token)?;
                    audit::record(
                        conn,
                        Actor::User(&user.current()),
                        "first administrator created",
                        &user.username,
                        "first-run setup",
                        &ip,
                    )?;
                    let key = session::set_flash_or_start(
                        conn,
                        &session,
                        Flash::success(format!(
                            "Administrator {} created. Sign in to continue.",
                            user.username
                        )),
                    )?;
                    Ok(SetupOutcome::Created(key))
                }
                Err(users::CreateError::Invalid(errors)) => Ok(SetupOutcome::Invalid(errors)),
                Err(users::CreateError::Db(e)) => Err(AppError::from(e)),
                Err(users::CreateError::Other(e)) => Err(AppError::Internal(e)),
            }
        });
        result
    })
    .await?;
    match outcome {
        SetupOutcome::Created(Some(key)) => Ok(session::redirect_with_session(
            &state.config,
            &key,
            "/login",
        )),
        SetupOutcome::Created(None) => Ok(redirect("/login")),
        SetupOutcome::SetUpAlready => Ok(redirect("/login?set_up=1")),
        SetupOutcome::LinkDead => Err(AppError::NotFound),
        SetupOutcome::Invalid(errors) => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SetupPage {
                layout,
                token: form.token,
                username: form.username,
                display_name: form.display_name,
                errors,
            },
        ),
    }
}
