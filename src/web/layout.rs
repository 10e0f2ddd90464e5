//! Data every page's layout needs: who is signed in, the form token, the flash message.

use std::future::{ready, Ready};

use actix_web::{dev::Payload, FromRequest, HttpMessage, HttpRequest};

use crate::auth::session::FlashShown;
use crate::auth::{CurrentUser, Role, SessionData};
use crate::web::middleware::RequestId;

/// What a flash message says: that an action worked, that nothing needed doing, or that it
/// was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlashKind {
    Success,
    Info,
    Error,
}

impl FlashKind {
    pub const ALL: [FlashKind; 3] = [FlashKind::Success, FlashKind::Info, FlashKind::Error];

    /// As stored in the session row and used in the page's CSS class (`flash-success`).
    pub fn as_str(self) -> &'static str {
        match self {
            FlashKind::Success => "success",
            FlashKind::Info => "info",
            FlashKind::Error => "error",
        }
    }

    /// The ARIA role: an error interrupts (`alert`), the others wait their turn (`status`).
    pub fn role(self) -> &'static str {
        match self {
            FlashKind::Error => "alert",
            FlashKind::Success | FlashKind::Info => "status",
        }
    }

    pub fn parse(s: &str) -> Option<FlashKind> {
        FlashKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl std::fmt::Display for FlashKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A one-time message shown on the next page after an action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flash {
    pub kind: FlashKind,
    pub message: String,
}

impl Flash {
    pub fn success(message: impl Into<String>) -> Self {
        Flash {
            kind: FlashKind::Success,
            message: message.into(),
        }
    }

    pub fn info(message: impl Into<String>) -> Self {
        Flash {
            kind: FlashKind::Info,
            message: message.into(),
        }
    }

    pub fn error(message: impl Into<String>) -> Self {
        Flash {
            kind: FlashKind::Error,
            message: message.into(),
        }
    }

    /// Stored as `kind:message` in the session row.
    pub fn encode(&self) -> String {
        format!("{}:{}", self.kind, self.message)
    }

    pub fn decode(raw: &str) -> Option<Self> {
        let (kind, message) = raw.split_once(':')?;
        Some(Flash {
            kind: FlashKind::parse(kind)?,
            message: message.to_string(),
        })
    }
}

/// One link of the main navigation.
#[derive(Clone, Debug)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Layout {
    pub user: Option<CurrentUser>,
    pub csrf_token: String,
    pub flash: Option<Flash>,
    pub path: String,
    pub request_id: String,
}

impl Layout {
    /// The layout of the page this request renders. Its flash counts as shown: once the page
    /// has gone out as HTML, the session middleware takes the flash out of the session.
    pub fn from_request(req: &HttpRequest) -> Self {
        let layout = {
            let ext = req.extensions();
            Layout::of_session(req, ext.get::<SessionData>())
        };
        if let Some(flash) = &layout.flash {
            req.extensions_mut().insert(FlashShown(flash.clone()));
        }
        layout
    }

    /// The layout of a page shown in `session`, which may be another than the request's own
    /// (the first page of a session that the request began). Its flash is not taken.
    pub fn of_session(req: &HttpRequest, session: Option<&SessionData>) -> Self {
        Layout {
            user: session.and_then(|s| s.user.clone()),
            csrf_token: session.map(|s| s.csrf_token.clone()).unwrap_or_default(),
            flash: session.and_then(|s| s.flash.clone()),
            path: req.path().to_string(),
            request_id: req
                .extensions()
                .get::<RequestId>()
                .map(|r| r.0.clone())
                .unwrap_or_default(),
        }
    }

    /// The address of the static asset `name`, with its version (see `web::assets`).
    pub fn asset(&self, name: &str) -> String {
        crate::web::assets::url(name)
    }

    /// The main navigation, one link per area (see docs/architecture.md, The areas), limited
    /// to what exists and what the user may see.
    pub fn nav(&self) -> Vec<NavItem> {
        let Some(user) = &self.user else {
            return Vec::new();
        };
        let mut items = vec![
            ("/", "Home"),
            ("/contacts", "Contacts"),
            ("/segments", "Segments"),
            ("/interactions", "Interactions"),
            ("/campaigns", "Campaigns"),
            ("/opportunities", "Opportunities"),
            ("/setup", "Setup"),
        ];
        if user.role == Role::Admin {
            items.push(("/admin/users", "Users"));
            items.push(("/admin/audit", "Audit trail"));
        }
        items
            .into_iter()
            .map(|(href, label)| NavItem {
                href,
                label,
                current: if href == "/" {
                    self.path == "/"
                } else {
                    self.path.starts_with(href)
                },
            })
            .collect()
    }
}

impl FromRequest for Layout {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Layout::from_request(req)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flash_round_trips_and_rejects_unknown_kinds() {
        let f = Flash::success("Saved: a:b");
        assert_eq!(Flash::decode(&f.encode()), Some(f));
        assert_eq!(Flash::decode("evil:<b>"), None);
    }
}

#[cfg(test)]
mod flash_tests {
    use super::*;

    #[test]
    fn a_flash_reads_back_as_it_was_stored_and_an_unknown_kind_is_dropped() {
        for flash in [
            Flash::success("Saved: a:b"),
            Flash::info(""),
            Flash::error("No."),
        ] {
            assert_eq!(Flash::decode(&flash.encode()), Some(flash));
        }
        assert_eq!(Flash::decode("warning:careful"), None);
        assert_eq!(Flash::decode("no kind"), None);
    }
}
