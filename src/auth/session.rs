//! Server-side sessions in PostgreSQL, shared by every instance, and the middleware that
//! loads them and checks every state change ([`super::csrf`]).
//!
//! The cookie holds a random 256-bit key; the table holds its SHA-256, the user, the form
//! token and a pending flash message. A session ends after `RAPPORT_SESSION_IDLE_MINUTES`
//! without a request or `RAPPORT_SESSION_MAX_HOURS` after it began.
//!
//! A visitor without a session gets no row: a request that only reads writes nothing. Their
//! forms (sign-in, first-run setup) carry a token bound to a random cookie of their own
//! ([`form_cookie_name`], double submit: the token is a hash of the cookie, which scripts of
//! other sites can neither read nor set), checked like a session's token together with the
//! origin. A row is created when there is something to keep: a sign-in, a flash message.
//! A live session's `last_seen_at` is written at most once a minute.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse};
use diesel::data_types::PgInterval;
use diesel::dsl::now;
use diesel::prelude::*;
use diesel::sql_types::{Double, Text};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::Arc;

use super::csrf::{
    form_page, is_safe, posted, posted_username, same_origin, stale_form, submitted_token,
    token_matches, StaleForm,
};
use super::{CurrentUser, Role};
use crate::config::Config;
use crate::db::schema::{code_list_version, sessions, users};
use crate::web::AppState;
use crate::web::{db, AppError, AppResult, Flash};

/// The form field that carries the CSRF token (an upload's first field).
pub const CSRF_FIELD: &str = "csrf_token";

/// How often a live session's `last_seen_at` is written (at most), for idle times of four
/// minutes or more.
const TOUCH_EVERY_SECS: f64 = 60.0;

/// How old `last_seen_at` may grow before a request writes it again: once a minute, or a
/// quarter of the idle time when that is shorter, so that a session in use never reaches
/// its idle time between two writes (with an idle time of one minute, a once-a-minute write
/// would never come before the session ran out: it ended a minute after sign-in, however
/// busy its user).
pub fn touch_every(idle: std::time::Duration) -> std::time::Duration {
    std::time::Duration::from_secs_f64(TOUCH_EVERY_SECS).min(idle / 4)
}

/// The session of the current request, as loaded by [`middleware`]. A visitor without a
/// stored session has an empty `key_hash` (see [`SessionData::is_stored`]).
#[derive(Clone, Debug)]
pub struct SessionData {
    pub key_hash: Vec<u8>,
    pub csrf_token: String,
    pub user: Option<CurrentUser>,
    pub flash: Option<Flash>,
    /// The code lists' version as [`load`] read it (see `db::seen`).
    pub lists_version: Option<Arc<str>>,
    /// When the session began (a visitor's: none stored): a renewed session keeps it, so the
    /// session's longest life (`RAPPORT_SESSION_MAX_HOURS`) runs from the sign-in.
    pub began: Option<chrono::DateTime<chrono::Utc>>,
}

impl SessionData {
    /// Whether a row in `sessions` stands behind this session.
    pub fn is_stored(&self) -> bool {
        !self.key_hash.is_empty()
    }

    fn visitor(form_key: &str) -> Self {
        SessionData {
            key_hash: Vec::new(),
            csrf_token: visitor_token(form_key),
            user: None,
            flash: None,
            lists_version: None,
            began: None,
        }
    }
}

/// Marks a request whose page showed the pending flash (set by the layout); the middleware
/// then takes the flash out of the session, once the page has been rendered as HTML.
#[derive(Clone, Debug)]
pub struct FlashShown(pub Flash);

/// A freshly created session: the key goes into the cookie, never into the database.
pub struct NewSession {
    pub key: String,
    pub data: SessionData,
}

pub fn cookie_name(config: &Config) -> &'static str {
    // The __Host- prefix makes the browser insist on Secure, Path=/ and no Domain.
    if config.secure_cookies() {
        "__Host-rapport_session"
    } else {
        "rapport_session"
    }
}

/// The cookie of a visitor without a session, which their forms' token is bound to.
pub fn form_cookie_name(config: &Config) -> &'static str {
    if config.secure_cookies() {
        "__Host-rapport_form"
    } else {
        "rapport_form"
    }
}

fn form_cookie(config: &Config, key: &str) -> Cookie<'static> {
    Cookie::build(form_cookie_name(config), key.to_string())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(config.secure_cookies())
        .finish()
}

/// The form token of a visitor: a hash of their form cookie, so the page never shows the
/// cookie itself.
fn visitor_token(form_key: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"rapport visitor form token\0");
    hasher.update(form_key.as_bytes());
    hex::encode(hasher.finalize())
}

fn is_random_key(value: &str) -> bool {
    value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

pub fn session_cookie(config: &Config, key: &str) -> Cookie<'static> {
    Cookie::build(cookie_name(config), key.to_string())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(config.secure_cookies())
        .finish()
}

/// A random key of 64 hex digits, for a cookie or a link; store only its [`hash_key`].
pub fn random_key() -> String {
    random_hex(32)
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    hex::encode(buf)
}

pub fn hash_key(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}

/// A session's columns as [`load`] reads them, with its user's when it has one, and whether
/// it is due to be marked seen.
type LoadedRow = (
    String,
    Option<String>,
    Option<(i64, String, String, String, bool, Option<String>)>,
    bool,
    Option<String>,
    chrono::DateTime<chrono::Utc>,
);

fn interval(duration: std::time::Duration) -> PgInterval {
    PgInterval::from_microseconds(i64::try_from(duration.as_micros()).unwrap_or(i64::MAX))
}

/// Loads a live session and marks it used (at most once a minute). An expired session, or one
/// whose user is gone or disabled, is `None`. The flash stays in the session until a page
/// shows it ([`take_flash`]).
///
/// Every signed-in request runs this: it is one SELECT by the primary key that diesel keeps
/// prepared on the connection (no planning each time); the UPDATE of `last_seen_at` runs only
/// when the last one is older than [`touch_every`]. Times are the database's clock. It
/// also reads the code lists' version, so that a page whose lists are kept needs no statement
/// of its own to learn it (`db::seen`).
pub fn load(
    conn: &mut PgConnection,
    key_hash: &[u8],
    config: &Config,
) -> QueryResult<Option<SessionData>> {
    let row: Option<LoadedRow> = sessions::table
        .left_join(users::table)
        .filter(sessions::id_hash.eq(key_hash))
        .filter(sessions::ended_at.is_null())
        .filter((sessions::last_seen_at + interval(config.session_idle)).gt(now))
        .filter((sessions::created_at + interval(config.session_max)).gt(now))
        .select((
            sessions::csrf_token,
            sessions::flash,
            (
                users::id,
                users::username,
                users::display_name,
                users::role,
                users::active,
                users::salesperson_code,
            )
                .nullable(),
            (sessions::last_seen_at + interval(touch_every(config.session_idle))).lt(now),
            // `db::seen::VERSION`, written so that diesel keeps the statement prepared.
            code_list_version::table
                .select(
                    code_list_version::database
                        .concat("/")
                        .concat(code_list_version::change.cast::<Text>()),
                )
                .single_value(),
            sessions::created_at,
        ))
        .first(conn)
        .optional()?;
    let Some((csrf_token, flash, user, due, lists_version, began)) = row else {
        return Ok(None);
    };
    let user = match user {
        Some((id, username, display_name, role, true, salesperson_code)) => {
            match Role::parse(&role) {
                Some(role) => Some(CurrentUser {
                    id,
                    username,
                    display_name,
                    role,
                    salesperson_code,
                }),
                None => return Ok(None),
            }
        }
        Some(_) => return Ok(None), // a signed-in session whose user was disabled
        None => None,
    };
    if due {
        diesel::update(sessions::table.filter(sessions::id_hash.eq(key_hash)))
            .set(sessions::last_seen_at.eq(now))
            .execute(conn)?;
    }
    Ok(Some(SessionData {
        key_hash: key_hash.to_vec(),
        csrf_token,
        user,
        flash: flash.as_deref().and_then(Flash::decode),
        lists_version: lists_version.map(Arc::from),
        began: Some(began),
    }))
}

/// Creates a session, signed in when `user` is given, with a fresh key and form token.
pub fn create(
    conn: &mut PgConnection,
    user: Option<CurrentUser>,
    flash: Option<Flash>,
) -> QueryResult<NewSession> {
    create_with_token(conn, user, flash, random_hex(32), None)
}

/// The signed-in `session` again under a fresh key (its user's password changed), keeping its
/// form token — the forms its user has open in other tabs still send, as the password page
/// says ("this one goes on") — and when it began: a change of password does not lengthen the
/// session's longest life.
pub fn renew(
    conn: &mut PgConnection,
    session: &SessionData,
    user: CurrentUser,
    flash: Flash,
) -> QueryResult<NewSession> {
    create_with_token(
        conn,
        Some(user),
        Some(flash),
        session.csrf_token.clone(),
        session.began,
    )
}

fn create_with_token(
    conn: &mut PgConnection,
    user: Option<CurrentUser>,
    flash: Option<Flash>,
    csrf_token: String,
    began: Option<chrono::DateTime<chrono::Utc>>,
) -> QueryResult<NewSession> {
    let key = random_hex(32);
    let data = SessionData {
        key_hash: hash_key(&key),
        csrf_token,
        user,
        flash: None,
        lists_version: None,
        began,
    };
    diesel::insert_into(sessions::table)
        .values((
            sessions::id_hash.eq(&data.key_hash),
            sessions::user_id.eq(data.user.as_ref().map(|u| u.id)),
            sessions::csrf_token.eq(&data.csrf_token),
            sessions::flash.eq(flash.map(|f| f.encode())),
            // A new session begins by the database's clock, as every session time is kept.
            began.map(|b| sessions::created_at.eq(b)),
        ))
        .execute(conn)?;
    Ok(NewSession { key, data })
}

pub fn destroy(conn: &mut PgConnection, key_hash: &[u8]) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::id_hash.eq(key_hash))).execute(conn)
}

/// Ends every session of a user (disabled, or password changed).
pub fn destroy_for_user(conn: &mut PgConnection, user_id: i64) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)
}

/// Removes sessions that can no longer be used.
pub fn prune(conn: &mut PgConnection, config: &Config) -> QueryResult<usize> {
    // An ended session is marked so, and never loaded again ([`load`]), whatever the settings
    // say later (raised, they brought back every session that had ended): its row stays as
    // long as a form sent in it may be kept for its user, whom only the row names.
    let ended = diesel::sql_query(
        "UPDATE sessions SET ended_at = now() WHERE ended_at IS NULL \
         AND (last_seen_at < now() - make_interval(secs => $1) \
              OR created_at < now() - make_interval(secs => $2))",
    )
    .bind::<Double, _>(config.session_idle.as_secs_f64())
    .bind::<Double, _>(config.session_max.as_secs_f64())
    .execute(conn)?;
    diesel::sql_query("DELETE FROM sessions WHERE ended_at < now() - make_interval(hours => $1)")
        .bind::<diesel::sql_types::Integer, _>(super::carry::KEPT_HOURS)
        .execute(conn)?;
    crate::db::once::prune_sent(conn)?;
    super::carry::prune(conn)?;
    Ok(ended)
}

/// The user (id and name) of the session of `key_hash`, ended or not, while that user is
/// active: whom a form sent after the session ended is kept for.
fn ended_user(conn: &mut PgConnection, key_hash: &[u8]) -> QueryResult<Option<(i64, String)>> {
    use crate::db::schema::users;
    sessions::table
        .inner_join(users::table)
        .filter(sessions::id_hash.eq(key_hash))
        .filter(users::active.eq(true))
        .select((users::id, users::username))
        .first(conn)
        .optional()
}

/// Leaves a message for the next page this session shows (a signed-in session: always
/// stored). For a visitor who may have no stored session, use [`set_flash_or_start`].
pub fn set_flash(conn: &mut PgConnection, session: &SessionData, flash: Flash) -> QueryResult<()> {
    set_flash_or_start(conn, session, flash).map(|_| ())
}

/// The No. of the `what` ("Contact") of `table` that the form with the one-time key `key`
/// created already ([`crate::db::once`]), with the message for the next page that nothing was
/// created again; `None` when the form is sent for the first time (or carries no key).
pub fn created_before(
    conn: &mut PgConnection,
    session: &SessionData,
    table: crate::db::once::Created,
    key: Option<&str>,
    what: &str,
) -> QueryResult<Option<String>> {
    let Some(key) = key else {
        return Ok(None);
    };
    let Some(no) = crate::db::once::created_from(conn, table, key)? else {
        return Ok(None);
    };
    set_flash(
        conn,
        session,
        Flash::info(format!(
            "{what} {no} was created from this form already: nothing was created again."
        )),
    )?;
    Ok(Some(no))
}

/// Leaves a message for the next page; a visitor without a stored session gets one, whose
/// key is returned for their cookie ([`redirect_with_session`]).
pub fn set_flash_or_start(
    conn: &mut PgConnection,
    session: &SessionData,
    flash: Flash,
) -> QueryResult<Option<String>> {
    if !session.is_stored() {
        return create(conn, session.user.clone(), Some(flash)).map(|s| Some(s.key));
    }
    diesel::update(sessions::table.filter(sessions::id_hash.eq(&session.key_hash)))
        .set(sessions::flash.eq(Some(flash.encode())))
        .execute(conn)
        .map(|_| None)
}

/// Leaves a message for the next page unless one is waiting there already (a double click's
/// second request keeps the first one's message).
pub fn set_flash_unless_waiting(
    conn: &mut PgConnection,
    session: &SessionData,
    flash: Flash,
) -> QueryResult<()> {
    diesel::update(
        sessions::table
            .filter(sessions::id_hash.eq(&session.key_hash))
            .filter(sessions::flash.is_null()),
    )
    .set(sessions::flash.eq(Some(flash.encode())))
    .execute(conn)
    .map(|_| ())
}

/// Takes a flash out of the session once a page has shown it; a newer flash stays.
pub fn take_flash(conn: &mut PgConnection, key_hash: &[u8], shown: &Flash) -> QueryResult<usize> {
    diesel::update(
        sessions::table
            .filter(sessions::id_hash.eq(key_hash))
            .filter(sessions::flash.eq(shown.encode())),
    )
    .set(sessions::flash.eq(None::<String>))
    .execute(conn)
}

/// Loads the session into the request (a visitor without one gets a form cookie, no row), and
/// refuses any state-changing request whose origin or CSRF token does not match (403, nothing
/// changed). After an HTML page that showed the flash, takes the flash out of the session.
pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let path = req.path();
    if path.starts_with("/static/") || path == "/healthz" || path == "/favicon.ico" {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    };
    let safe = is_safe(req.method());
    let foreign = !safe && !same_origin(&req);
    if foreign && req.cookie(cookie_name(&state.config)).is_none() {
        tracing::warn!(
            "refused a {} with a foreign or missing origin",
            req.method()
        );
        return Ok(req.error_response(AppError::Csrf).map_into_right_body());
    }

    let key_hash = req
        .cookie(cookie_name(&state.config))
        .map(|c| hash_key(c.value()));
    let had_session_cookie = key_hash.is_some();
    let cookie_hash = key_hash.clone();
    let loaded = match key_hash {
        Some(hash) => {
            let config = state.config.clone();
            match db(&state.pool, move |conn| Ok(load(conn, &hash, &config)?)).await {
                Ok(found) => found,
                Err(e) => return Ok(req.error_response(e).map_into_right_body()),
            }
        }
        None => None,
    };

    let mut new_form_key = None;
    let session = match loaded {
        Some(session) => session,
        None => {
            let form_key = req
                .cookie(form_cookie_name(&state.config))
                .map(|c| c.value().to_string())
                .filter(|v| is_random_key(v));
            match form_key {
                Some(key) => SessionData::visitor(&key),
                None if safe => {
                    let key = random_hex(32);
                    let visitor = SessionData::visitor(&key);
                    new_form_key = Some(key);
                    visitor
                }
                None => {
                    return Ok(req.error_response(AppError::Csrf).map_into_right_body());
                }
            }
        }
    };

    // Refused with the session known, so that the page says who is signed in (it looked as if
    // the user had been signed out: a proxy that does not pass the Host on refuses every form
    // so).
    if foreign {
        tracing::warn!(
            "refused a {} with a foreign or missing origin",
            req.method()
        );
        req.extensions_mut().insert(session);
        return Ok(req.error_response(AppError::Csrf).map_into_right_body());
    }

    if !safe {
        let given = match submitted_token(&mut req).await {
            Ok(given) => given.unwrap_or_default(),
            Err(e) => {
                req.extensions_mut().insert(session);
                return Ok(req.error_response(e).map_into_right_body());
            }
        };
        if !token_matches(&session.csrf_token, &given) {
            let other_user = match (&session.user, req.path()) {
                (Some(user), "/login") => posted_username(&mut req).await.is_some_and(|typed| {
                    crate::db::text::fold(&typed) != crate::db::text::fold(&user.username)
                }),
                _ => false,
            };
            let stale = stale_form(
                req.path(),
                session.user.is_some(),
                had_session_cookie,
                !given.is_empty(),
                other_user,
            );
            let page = form_page(&req);
            if let (StaleForm::SessionEnded, Some(hash)) = (&stale, cookie_hash) {
                if let Some(carried) = carried_form(&mut req).await {
                    let kept = db(&state.pool, move |conn| {
                        Ok(match ended_user(conn, &hash)? {
                            Some((id, name)) => {
                                super::carry::keep(conn, id, &carried)?.map(|key| (key, name))
                            }
                            None => None,
                        })
                    })
                    .await;
                    let kept = match kept {
                        Ok(kept) => kept,
                        Err(e) => return Ok(req.error_response(e).map_into_right_body()),
                    };
                    if let Some((key, username)) = kept {
                        tracing::info!("a form of an ended session: kept for {username}");
                        req.extensions_mut().insert(session);
                        let page =
                            super::handlers::ended_sign_in(req.request(), page, key, username);
                        return Ok(match page {
                            Ok(page) => req.into_response(page),
                            Err(e) => req.error_response(e),
                        }
                        .map_into_right_body());
                    }
                }
            }
            // The sign-in form of a page that kept a form, sent while its user is signed in
            // (in another tab, or this page sent again by a reload): that form is offered, as
            // the first sending did (it went to the home page, the form unsaid).
            if stale == StaleForm::SignedInElsewhere {
                if let (Some(user), Some(key)) =
                    (session.user.clone(), posted(&mut req, "kept").await)
                {
                    let found = db(&state.pool, move |conn| {
                        Ok(super::carry::find(conn, &key, user.id)?)
                    })
                    .await;
                    match found {
                        Ok(Some(carried)) => {
                            let next = posted(&mut req, "next")
                                .await
                                .and_then(|n| crate::web::forms::safe_next(&n))
                                .unwrap_or_else(|| "/".into());
                            let page = super::handlers::resume_page(
                                req.request(),
                                &session,
                                next,
                                carried,
                            );
                            return Ok(match page {
                                Ok(page) => req.into_response(page),
                                Err(e) => req.error_response(e),
                            }
                            .map_into_right_body());
                        }
                        Ok(None) => {}
                        Err(e) => return Ok(req.error_response(e).map_into_right_body()),
                    }
                }
            }
            if stale == StaleForm::SignOut {
                tracing::info!("sign out from a page of an earlier sign-in");
            } else if let Some(location) = stale.location(&page) {
                let refused_there = page.split('?').next() == Some(req.path());
                if let Some(flash) = stale.flash(session.user.as_ref(), refused_there) {
                    let shown = session.clone();
                    let stored = db(&state.pool, move |conn| Ok(set_flash(conn, &shown, flash)?));
                    if let Err(e) = stored.await {
                        return Ok(req.error_response(e).map_into_right_body());
                    }
                }
                if matches!(
                    stale,
                    StaleForm::EarlierSignIn | StaleForm::OtherUserSignedIn
                ) {
                    tracing::warn!(
                        "a {} of {} with a wrong CSRF token for a signed-in session: \
                         nothing done, sent to {location}",
                        req.method(),
                        req.path()
                    );
                } else {
                    tracing::info!("a form of an ended session or another tab: sent to {location}");
                }
                return Ok(req
                    .into_response(
                        HttpResponse::SeeOther()
                            .insert_header((header::LOCATION, location))
                            .finish(),
                    )
                    .map_into_right_body());
            } else {
                tracing::warn!(
                    "refused a {} with a missing or wrong CSRF token",
                    req.method()
                );
                req.extensions_mut().insert(session);
                return Ok(req.error_response(AppError::Csrf).map_into_right_body());
            }
        }
    }

    let stored_key = session.is_stored().then(|| session.key_hash.clone());
    // A request that changes nothing serves its pages with the code lists' version its
    // session statement read (`db::seen`).
    let seen = session.lists_version.clone().filter(|_| safe);
    req.extensions_mut().insert(session);
    let mut res = match seen {
        Some(version) => crate::db::seen::scope(version, next.call(req)).await?,
        None => next.call(req).await?,
    };

    // The flash is used up only by an HTML page that showed it, not by a download, a JSON
    // poll, a redirect or an answer to HEAD or to a prefetch (no one saw it).
    let shown = res.request().extensions().get::<FlashShown>().cloned();
    let asked_head = res
        .request()
        .extensions()
        .contains::<crate::web::middleware::AskedHead>();
    // A browser's prefetch of a link (`Sec-Purpose: prefetch`, older `Purpose: prefetch`) is
    // not a page seen either.
    let prefetch = ["sec-purpose", "purpose"].iter().any(|name| {
        res.request()
            .headers()
            .get(*name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("prefetch"))
    });
    let is_page = !asked_head
        && !prefetch
        && res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
    if let (Some(FlashShown(flash)), Some(key_hash), true) = (shown, stored_key.clone(), is_page) {
        let taken = db(&state.pool, move |conn| {
            Ok(take_flash(conn, &key_hash, &flash)?)
        })
        .await;
        if let Err(e) = taken {
            tracing::warn!("could not take the flash out of the session: {e}");
        }
    }

    // A handler that started its own session (sign-in, sign-out) has set the cookie.
    let sets_session = res.headers().get_all(header::SET_COOKIE).any(|v| {
        v.to_str()
            .is_ok_and(|v| v.starts_with(cookie_name(&state.config)))
    });
    let mut cookies = Vec::new();
    if let Some(key) = new_form_key {
        cookies.push(form_cookie(&state.config, &key));
    }
    if had_session_cookie && stored_key.is_none() && !sets_session {
        // The browser's session is over: forget its cookie.
        let mut gone = session_cookie(&state.config, "");
        gone.make_removal();
        cookies.push(gone);
    }
    for cookie in cookies {
        if let Ok(value) = header::HeaderValue::from_str(&cookie.to_string()) {
            res.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    Ok(res.map_into_left_body())
}

/// What is kept of a form sent after its session had ended: a URL-encoded one within
/// `carry::CARRY_LIMIT` (an upload's file is not; its page leads back to the form).
async fn carried_form(req: &mut ServiceRequest) -> Option<super::carry::Carried> {
    if !crate::web::middleware::is_url_encoded(req) {
        return None;
    }
    let body = crate::web::middleware::read_body(req).await.ok()?;
    let action = match req.uri().query() {
        Some(query) => format!("{}?{query}", req.path()),
        None => req.path().to_string(),
    };
    super::carry::Carried::of_form(&action, &body)
}

/// The session of the current request (present on every page but static files and health).
pub fn current(req: &actix_web::HttpRequest) -> AppResult<SessionData> {
    req.extensions()
        .get::<SessionData>()
        .cloned()
        .ok_or(AppError::Csrf)
}

/// A redirect that also sets the cookie of a new session.
pub fn redirect_with_session(config: &Config, key: &str, location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_string()))
        .cookie(session_cookie(config, key))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_written_before_its_idle_time_runs_out() {
        use std::time::Duration;
        let minutes = |m: u64| Duration::from_secs(60 * m);
        assert_eq!(touch_every(minutes(30)), minutes(1));
        assert_eq!(touch_every(minutes(4)), minutes(1));
        assert_eq!(touch_every(minutes(2)), Duration::from_secs(30));
        assert_eq!(touch_every(minutes(1)), Duration::from_secs(15));
        for m in 1..=120 {
            assert!(touch_every(minutes(m)) < minutes(m));
        }
    }

    #[test]
    fn a_visitors_token_is_bound_to_the_cookie_but_is_not_it() {
        let key = random_hex(32);
        assert!(is_random_key(&key));
        assert!(!is_random_key("short"));
        let token = SessionData::visitor(&key).csrf_token;
        assert_eq!(token, visitor_token(&key));
        assert_ne!(token, key);
        assert_ne!(token, visitor_token(&random_hex(32)));
        assert!(!SessionData::visitor(&key).is_stored());
    }

    #[test]
    fn keys_are_random_and_hashed() {
        let a = random_hex(32);
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_hex(32));
        assert_eq!(hash_key(&a).len(), 32);
    }
}
