//! A user's own account: changing one's own password, which asks for the current one.

use actix_web::{get, http::StatusCode, post, web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use super::{client_ip, password, session, throttle, users, SignedIn};
use crate::admin::audit::{self, Actor};
use crate::web::AppState;
use crate::web::{db, ok, render, AppError, AppResult, Flash, FormErrors, Layout};

#[derive(Template)]
#[template(path = "auth/password.html")]
pub struct PasswordPage {
    pub layout: Layout,
    pub errors: FormErrors,
    /// The form's one-time key ([`crate::db::once`]): the same form sent twice is told its
    /// change was made.
    pub once: String,
}

impl PasswordPage {
    fn new(layout: Layout, errors: FormErrors) -> Self {
        PasswordPage {
            layout,
            errors,
            once: crate::db::once::new_key(),
        }
    }
}

#[get("/account/password")]
pub async fn password_form(_user: SignedIn, layout: Layout) -> AppResult<HttpResponse> {
    ok(&PasswordPage::new(layout, FormErrors::new()))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
    #[serde(default)]
    once: String,
}

enum Outcome {
    /// The key of the session that goes on (every other one was ended).
    Changed(String),
    WrongCurrent,
    Throttled(u64),
}

/// Said when the current password typed is not the user's.
const WRONG_CURRENT: &str = "This is not your current password.";

/// The audit trail's action of a password change refused for too many wrong tries.
const THROTTLED: &str = "password change throttled";

/// Said by the current password when too many wrong ones were typed: nothing was changed, and
/// signing in (from this address, with this name) waits as long.
fn throttled_message(wait: u64) -> String {
    format!(
        "Too many failed tries with your user name in a short time (wrong current passwords \
         here, or failed sign-ins, perhaps someone else's), so the password was not changed, \
         whatever was typed. Wait {} and try again; signing in with your name waits as long.",
        crate::web::pages::human_wait(wait)
    )
}

/// Said once the password is changed.
const CHANGED: &str = "Your password was changed. Any other session of yours was signed out.";

/// The session of a change sent twice (its form's key was kept by the first sending's
/// change) goes on, as the first one's did: the browser kept the
/// second's answer, and with it the key it sets (the first's key is lost with its answer).
fn went_on(
    conn: &mut PgConnection,
    shown: &session::SessionData,
    stored: &users::User,
) -> Result<Outcome, AppError> {
    // The key the page was shown under ends here too (the first sending ended it already).
    session::destroy(conn, &shown.key_hash)?;
    let created = session::renew(conn, shown, stored.current(), Flash::success(CHANGED))?;
    throttle::clear(conn, &stored.username)?;
    Ok(Outcome::Changed(created.key))
}

/// Changes the signed-in user's password. The current password is checked as a sign-in
/// checks it (one Argon2 verification, and a wrong one counts towards the same limit), so a
/// session left open on another desk cannot be used to take the account over. Every session
/// of the user ends; the one that changed it goes on under a new key.
#[post("/account/password")]
pub async fn change_password(
    req: HttpRequest,
    SignedIn(user): SignedIn,
    layout: Layout,
    state: web::Data<AppState>,
    form: web::Form<PasswordForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let mut errors = FormErrors::new();
    if form.current_password.is_empty() {
        errors.add("current_password", "Enter your current password.");
    }
    if let Err(message) =
        password::check_new(&form.password, &form.password_confirmation, &user.username)
    {
        errors.add(password::field_of(message), message);
    }
    if !errors.is_empty() {
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PasswordPage::new(layout, errors),
        );
    }
    let ip = client_ip(&req, state.config.trust_proxy);
    let shown = session::current(&req)?;
    let key = crate::db::once::key(&form.once);
    let outcome = db(&state.pool, move |conn| {
        // The try counts as a failure until the password is changed.
        // Refused, it is recorded as a refused sign-in is (once a window).
        let refused = |conn: &mut PgConnection, wait: throttle::Wait| {
            if throttle::throttled_recorded(conn, THROTTLED, &user.username, &ip, wait)? {
                return Ok(());
            }
            let detail = wait.detail();
            audit::record(
                conn,
                Actor::User(&user),
                THROTTLED,
                &user.username,
                detail,
                &ip,
            )
        };
        if let Some(wait) = throttle::admit(conn, &user.username, &ip, refused)? {
            return Ok(Outcome::Throttled(wait.secs));
        }
        let Some(stored) = users::find_by_username(conn, &user.username)? else {
            return Err(AppError::NotFound);
        };
        if !password::verify(&form.current_password, &stored.password_hash) {
            // The same form sent twice (a double click): the first changed the password, so
            // the "current" one the second brings is the old one. The browser shows the
            // second's answer, which said the change failed.
            if stored.active
                && crate::db::once::sent_before(conn, key.as_deref())?
                && password::verify(&form.password, &stored.password_hash)
            {
                return conn.transaction(|conn| went_on(conn, &shown, &stored));
            }
            audit::record(
                conn,
                Actor::User(&user),
                "password change failed",
                &user.username,
                "wrong current password",
                &ip,
            )?;
            return Ok(Outcome::WrongCurrent);
        }
        let hash = password::hash(&form.password)?;
        conn.transaction::<_, AppError, _>(|conn| {
            // Reset or disabled while the password was being checked: not changed here.
            if !users::still_verified_to_change(conn, &stored)? {
                // Unless the change made meanwhile is this one, sent twice.
                if crate::db::once::sent_before(conn, key.as_deref())?
                    && users::password_is_now(conn, stored.id, &form.password)?
                {
                    return went_on(conn, &shown, &stored);
                }
                return Err(AppError::Conflict(anyhow::anyhow!(
                    "the password was changed or the user disabled meanwhile"
                )));
            }
            // Ends every session of the user, this one too; it goes on under a new key.
            users::set_password_hash(conn, stored.id, &hash)?;
            let created = session::renew(conn, &shown, stored.current(), Flash::success(CHANGED))?;
            crate::db::once::mark_sent(conn, key.as_deref(), 0, "")?;
            throttle::clear(conn, &stored.username)?;
            audit::record(
                conn,
                Actor::User(&user),
                "password changed",
                &stored.username,
                "",
                &ip,
            )?;
            Ok(Outcome::Changed(created.key))
        })
    })
    .await?;
    match outcome {
        Outcome::Changed(key) => Ok(session::redirect_with_session(&state.config, &key, "/")),
        Outcome::Throttled(wait) => {
            let mut errors = FormErrors::new();
            errors.add("current_password", throttled_message(wait));
            let mut res = render(
                StatusCode::TOO_MANY_REQUESTS,
                &PasswordPage::new(layout, errors),
            )?;
            res.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from(wait),
            );
            Ok(res)
        }
        Outcome::WrongCurrent => {
            let mut errors = FormErrors::new();
            errors.add("current_password", WRONG_CURRENT);
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &PasswordPage::new(layout, errors),
            )
        }
    }
}
