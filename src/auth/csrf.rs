//! The CSRF check of a state-changing request: its origin, its token (in a form's body or
//! an upload's first field), and what an out-of-date form gets instead of a bare refusal.

use actix_web::dev::ServiceRequest;
use actix_web::http::{header, Method};
use actix_web::HttpMessage;
use subtle::ConstantTimeEq;

use super::session::CSRF_FIELD;
use super::CurrentUser;
use crate::web::{AppError, Flash};

pub(super) fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The request's own host, to compare with `Origin`/`Referer`.
pub(super) fn same_origin(req: &ServiceRequest) -> bool {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| h.to_ascii_lowercase());
    let Some(host) = host else {
        return false;
    };
    let source = req
        .headers()
        .get(header::ORIGIN)
        .or_else(|| req.headers().get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    let Some(source) = source else {
        return false;
    };
    match url::Url::parse(source) {
        Ok(url) => {
            let authority = match (url.host_str(), url.port()) {
                (Some(h), Some(p)) => format!("{h}:{p}"),
                (Some(h), None) => h.to_string(),
                _ => return false,
            };
            let default_port = |h: &str| {
                h.strip_suffix(":80")
                    .or_else(|| h.strip_suffix(":443"))
                    .map(str::to_string)
                    .unwrap_or_else(|| h.to_string())
            };
            matches!(url.scheme(), "http" | "https")
                && default_port(&authority.to_ascii_lowercase()) == default_port(&host)
        }
        Err(_) => false,
    }
}

/// What a form whose token does not match its session gets, besides a refusal. Nothing of
/// it is done in any case; these only say why and lead on.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum StaleForm {
    /// The sign-in form of another tab, posted after signing in there: already signed in,
    /// on to where that form led.
    SignedInElsewhere,
    /// The sign-in form of another tab, with another user's name, posted while someone is
    /// signed in in this browser: that user stays signed in, and the page says so. Before, it
    /// went on as the user signed in, silently: what the other one then did was theirs.
    OtherUserSignedIn,
    /// Sign out, from a page shown before this session's user signed in again (in this tab or
    /// another): signed out, as asked. Before, a 403, and the browser stayed signed in. (Only
    /// a page of Rapport's own origin passes the origin check, and signing out harms nothing.)
    SignOut,
    /// Sign out from a page whose session has ended already: the sign-in page, nothing lost.
    SignedOutAlready,
    /// A form of a page shown before this session's user signed in again (in this tab or
    /// another): back to the page, saying that nothing was saved. Before, a 403. (A wrong
    /// token of this site's own origin cannot be told from it: nothing is done either way, and
    /// it is logged as a warning.)
    EarlierSignIn,
    /// The session the page was shown in has ended (idle too long, signed out, disabled):
    /// sign in again, then back to the page.
    SessionEnded,
    /// The sign-in form of a visitor's session that has ended since the page was shown (left
    /// open over lunch): the sign-in page again, saying so, on to the same `next`. Before, a
    /// 403, and what was typed was gone.
    SignInPageExpired,
    /// A wrong or missing token for a live session, or a visitor's: 403.
    Refuse,
}

/// Tells an out-of-date form from a forged one. The origin check has passed already, so the
/// request comes from a page of this site; what it asked is never done, but signing out.
/// `other_user`: a sign-in form with a user name other than the signed-in user's.
pub(super) fn stale_form(
    path: &str,
    signed_in: bool,
    had_session_cookie: bool,
    has_token: bool,
    other_user: bool,
) -> StaleForm {
    match (signed_in, path) {
        (true, "/login") if other_user => StaleForm::OtherUserSignedIn,
        (true, "/login") => StaleForm::SignedInElsewhere,
        (false, "/login") if had_session_cookie && has_token => StaleForm::SignInPageExpired,
        (false, "/login") => StaleForm::Refuse,
        (true, "/logout") if has_token => StaleForm::SignOut,
        // Without a session cookie too: the page that found the session ended forgot its
        // cookie, and the forms of the tabs still open come without it (before, a bare 403,
        // even for Sign out). A token with no session behind it can do nothing but this.
        (false, "/logout") if has_token => StaleForm::SignedOutAlready,
        (true, _) if has_token => StaleForm::EarlierSignIn,
        (false, _) if has_token => StaleForm::SessionEnded,
        _ => StaleForm::Refuse,
    }
}

impl StaleForm {
    /// Where to send the browser; `page` is the path and query of the page the form was on.
    pub(super) fn location(&self, page: &str) -> Option<String> {
        let next_of_page = || {
            url::Url::parse(&format!("http://rapport{page}"))
                .ok()
                .and_then(|u| {
                    u.query_pairs()
                        .find(|(k, _)| k == "next")
                        .and_then(|(_, v)| crate::web::forms::safe_next(&v))
                })
        };
        match self {
            StaleForm::SignedInElsewhere | StaleForm::OtherUserSignedIn => {
                Some(next_of_page().unwrap_or_else(|| "/".into()))
            }
            StaleForm::SignedOutAlready => Some("/login".into()),
            StaleForm::EarlierSignIn => Some(page.to_string()),
            StaleForm::SignInPageExpired => Some(match next_of_page() {
                Some(next) => {
                    let next: String =
                        url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
                    format!("/login?expired=1&next={next}")
                }
                None => "/login?expired=1".into(),
            }),
            StaleForm::SessionEnded => {
                let next: String = url::form_urlencoded::byte_serialize(page.as_bytes()).collect();
                Some(format!("/login?ended=1&next={next}"))
            }
            StaleForm::Refuse | StaleForm::SignOut => None,
        }
    }

    /// The message the page it leads to shows, for `user` signed in. `refused_there`: the form
    /// was on the page its own refused sending showed (a 422 at the form's address), whose
    /// address shows another page (a list, a card), not the form.
    pub(super) fn flash(&self, user: Option<&CurrentUser>, refused_there: bool) -> Option<Flash> {
        let name = user.map(|u| u.username.as_str()).unwrap_or_default();
        match self {
            StaleForm::OtherUserSignedIn => Some(Flash::error(format!(
                "{name} is signed in in this browser, so nobody else was signed in. To sign in \
                 as another user, sign out first."
            ))),
            StaleForm::EarlierSignIn if refused_there => Some(Flash::error(
                "That form was shown before you signed in again (here or in another tab), so \
                 what you sent was not saved. Open the form again from here and send it.",
            )),
            StaleForm::EarlierSignIn => Some(Flash::error(
                "This page was shown before you signed in again (here or in another tab), so \
                 what you sent was not saved. Send it again from this page.",
            )),
            _ => None,
        }
    }
}

/// The user name a sign-in form was posted with (its body was read for the token already).
pub(super) async fn posted_username(req: &mut ServiceRequest) -> Option<String> {
    posted(req, "username").await
}

/// The field `name` of a posted form (its body was read for the token already), trimmed;
/// `None` when it is missing or empty.
pub(super) async fn posted(req: &mut ServiceRequest, name: &str) -> Option<String> {
    let body = crate::web::middleware::read_body(req).await.ok()?;
    url::form_urlencoded::parse(&body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The path and query of the page a form was posted from (its Referer), or the home page.
pub(super) fn form_page(req: &ServiceRequest) -> String {
    req.headers()
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| url::Url::parse(r).ok())
        .and_then(|u| {
            let page = match u.query() {
                Some(q) => format!("{}?{q}", u.path()),
                None => u.path().to_string(),
            };
            crate::web::forms::safe_next(&page)
        })
        .unwrap_or_else(|| "/".into())
}

pub(super) fn token_matches(expected: &str, given: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}

/// Finds the CSRF token of a form post; the body is put back for the handler. A body over
/// the limit is 413, not a CSRF failure.
pub(super) async fn submitted_token(req: &mut ServiceRequest) -> Result<Option<String>, AppError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let body = crate::web::middleware::read_body(req).await?;
        let token = url::form_urlencoded::parse(&body)
            .find(|(k, _)| k == CSRF_FIELD)
            .map(|(_, v)| v.into_owned());
        Ok(token)
    } else if content_type.starts_with("multipart/form-data") {
        multipart_token(req).await
    } else {
        Ok(None)
    }
}

/// How much of an upload is read to find its token: the first field is a hidden input, a few
/// hundred bytes.
const TOKEN_PEEK_LIMIT: usize = 4096;

/// An upload's token: its first field, [`CSRF_FIELD`] (the form's first input). The bytes read
/// to find it are put back in front of the rest of the body, which the handler then streams as
/// sent; the token never appears in the address, where proxies' logs and the browser's history
/// would keep it.
async fn multipart_token(req: &mut ServiceRequest) -> Result<Option<String>, AppError> {
    use actix_web::dev::Payload;
    use futures_util::StreamExt;
    let Some(boundary) = req
        .mime_type()
        .ok()
        .flatten()
        .and_then(|m| m.get_param("boundary").map(|b| b.as_str().to_string()))
    else {
        return Ok(None);
    };
    let mut payload = req.take_payload();
    let mut read = Vec::new();
    let mut token = None;
    while read.len() < TOKEN_PEEK_LIMIT {
        match payload.next().await {
            Some(Ok(chunk)) => read.extend_from_slice(&chunk),
            Some(Err(e)) => {
                return Err(AppError::BadRequest {
                    field: "body".into(),
                    message: format!("the request's body could not be read ({e})"),
                })
            }
            None => break,
        }
        token = first_field(&read, &boundary, CSRF_FIELD);
        if token.is_some() {
            break;
        }
    }
    let read = actix_web::web::Bytes::from(read);
    let rest: std::pin::Pin<
        Box<dyn futures_util::Stream<Item = Result<_, actix_web::error::PayloadError>>>,
    > = Box::pin(futures_util::stream::once(async move { Ok(read) }).chain(payload));
    req.set_payload(Payload::from(rest));
    Ok(token.flatten())
}

/// The value of a multipart body's first field when it is named `name` (`Some(None)` when it
/// is another field, or not text); `None` while the first field is not all read.
fn first_field(body: &[u8], boundary: &str, name: &str) -> Option<Option<String>> {
    let opening = format!("--{boundary}\r\n");
    let rest = body.strip_prefix(opening.as_bytes())?;
    let head_end = find(rest, b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&rest[..head_end]);
    let value = &rest[head_end + 4..];
    let value = &value[..find(value, format!("\r\n--{boundary}").as_bytes())?];
    let named = head.lines().any(|line| {
        let Some((header, params)) = line.split_once(':') else {
            return false;
        };
        header.trim().eq_ignore_ascii_case("content-disposition")
            && params
                .split(';')
                .any(|p| p.trim() == format!("name=\"{name}\""))
    });
    Some(
        named
            .then(|| std::str::from_utf8(value).ok().map(str::to_string))
            .flatten(),
    )
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_uploads_token_is_read_from_its_first_field_once_it_is_whole() {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nabc123\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\ntype,name\r\n--XyZ--\r\n";
        let token = Some(Some("abc123".to_string()));
        assert_eq!(first_field(body.as_bytes(), "XyZ", CSRF_FIELD), token);
        // Read in pieces: not yet known until the field has ended.
        for cut in 0..body
            .find("\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file")
            .unwrap()
            + 7
        {
            assert_eq!(
                first_field(&body.as_bytes()[..cut], "XyZ", CSRF_FIELD),
                None,
                "{cut}"
            );
        }
        // Another field first, or another boundary: no token.
        let other = body.replacen("csrf_token", "once", 1);
        assert_eq!(first_field(other.as_bytes(), "XyZ", CSRF_FIELD), Some(None));
        assert_eq!(first_field(body.as_bytes(), "Xy", CSRF_FIELD), None);
        // A name that only begins like it is another field.
        let longer = body.replacen("csrf_token", "csrf_token2", 1);
        assert_eq!(
            first_field(longer.as_bytes(), "XyZ", CSRF_FIELD),
            Some(None)
        );
    }

    #[test]
    fn an_out_of_date_form_is_told_from_a_forged_one() {
        use StaleForm::*;
        // The session the page was shown in has ended: sign in, then back to the page.
        let ended = stale_form("/contacts/CT000001/edit", false, true, true, false);
        assert_eq!(ended, SessionEnded);
        assert_eq!(
            ended.location("/contacts/CT000001/edit?x=1&y=2").unwrap(),
            "/login?ended=1&next=%2Fcontacts%2FCT000001%2Fedit%3Fx%3D1%26y%3D2"
        );
        // Without a token it is no page of an ended session; without the session cookie
        // (forgotten by a page opened after the session ended) it is.
        assert_eq!(
            stale_form("/contacts/new", false, true, false, false),
            Refuse
        );
        assert_eq!(
            stale_form("/contacts/new", false, false, true, false),
            SessionEnded
        );
        // A live session's wrong token: a page of an earlier sign-in, back to it saying that
        // nothing was saved; without a token, refused.
        let earlier = stale_form("/admin/users", true, true, true, false);
        assert_eq!(earlier, EarlierSignIn);
        assert_eq!(
            earlier.location("/admin/users?x=1").unwrap(),
            "/admin/users?x=1"
        );
        assert!(earlier
            .flash(None, false)
            .is_some_and(|f| f.message.contains("Send it again from this page")));
        assert!(earlier
            .flash(None, true)
            .is_some_and(|f| f.message.contains("Open the form again from here")));
        assert_eq!(stale_form("/admin/users", true, true, false, false), Refuse);
        assert_eq!(Refuse.location("/"), None);
        // Sign out: done with a live session, the sign-in page without one.
        assert_eq!(stale_form("/logout", true, true, true, false), SignOut);
        assert_eq!(SignOut.location("/"), None);
        let gone = stale_form("/logout", false, true, true, false);
        assert_eq!(gone, SignedOutAlready);
        assert_eq!(gone.location("/contacts").unwrap(), "/login");
        assert_eq!(
            stale_form("/logout", false, false, true, false),
            SignedOutAlready
        );
        assert_eq!(stale_form("/logout", false, false, false, false), Refuse);
        assert_eq!(stale_form("/logout", true, true, false, false), Refuse);
        // A sign-in form with another user's name: the signed-in user stays, and is named.
        let other = stale_form("/login", true, true, true, true);
        assert_eq!(other, OtherUserSignedIn);
        assert_eq!(other.location("/login").unwrap(), "/");
        // The sign-in form of a second tab after signing in in the first: on to its `next`.
        let elsewhere = stale_form("/login", true, true, true, false);
        assert_eq!(elsewhere, SignedInElsewhere);
        assert_eq!(
            elsewhere
                .location("/login?next=%2Fsegments%2FSM00001")
                .unwrap(),
            "/segments/SM00001"
        );
        assert_eq!(
            elsewhere.location("/login?next=//evil.example").unwrap(),
            "/"
        );
        assert_eq!(elsewhere.location("/login").unwrap(), "/");
        // A visitor's sign-in form whose session ended since it was shown: the sign-in page
        // again, on to the same page; without a session cookie or a token, refused.
        let expired = stale_form("/login", false, true, true, false);
        assert_eq!(expired, SignInPageExpired);
        assert_eq!(
            expired
                .location("/login?next=%2Fsegments%2FSM00001")
                .unwrap(),
            "/login?expired=1&next=%2Fsegments%2FSM00001"
        );
        assert_eq!(expired.location("/login").unwrap(), "/login?expired=1");
        assert_eq!(stale_form("/login", false, false, true, false), Refuse);
        assert_eq!(stale_form("/login", false, true, false, false), Refuse);
    }

    #[test]
    fn tokens_compare_exactly() {
        assert!(token_matches("abc", "abc"));
        assert!(!token_matches("abc", "abd"));
        assert!(!token_matches("abc", ""));
        assert!(!token_matches("", ""));
    }
}
