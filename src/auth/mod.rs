//! Who may do what: users and roles, passwords, sessions, CSRF, sign-in throttling.

pub mod account;
pub mod carry;
pub mod csrf;
pub mod handlers;
pub mod password;
pub mod session;
pub mod setup;
pub mod throttle;
pub mod users;

use std::future::{ready, Ready};

use actix_web::{dev::Payload, FromRequest, HttpMessage, HttpRequest};

pub use session::SessionData;

use crate::web::AppError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Viewer,
    Staff,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Staff, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
            Role::Viewer => "viewer",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::Staff => "Staff",
            Role::Viewer => "Viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s.trim().to_ascii_lowercase().as_str() {
            "admin" => Some(Role::Admin),
            "staff" => Some(Role::Staff),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The signed-in user of a request.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub salesperson_code: Option<String>,
}

/// What a 403 says to `user`, whose role is below `needed`: what it takes, the role the user
/// has (changed since they signed in, perhaps), and, for a form sent (`changing`), that
/// nothing was changed.
pub fn not_allowed(user: &CurrentUser, needed: Role, changing: bool) -> String {
    let takes = match needed {
        Role::Admin => "an administrator's account",
        _ => "a staff or administrator account",
    };
    let has = match user.role {
        Role::Admin => "an administrator",
        Role::Staff => "staff",
        Role::Viewer => "a viewer",
    };
    format!(
        "This takes {takes}, and {} is {has}{}. If your role was changed since you signed \
         in, that is why: an administrator can change it.",
        user.username,
        if changing {
            ", so nothing was changed"
        } else {
            ""
        }
    )
}

fn require(req: &HttpRequest, role: Role) -> Result<CurrentUser, AppError> {
    let ext = req.extensions();
    let user = ext.get::<SessionData>().and_then(|s| s.user.clone());
    match user {
        None => Err(AppError::Unauthenticated {
            next: if req.method() == actix_web::http::Method::GET {
                match req.query_string() {
                    "" => req.path().to_string(),
                    q => format!("{}?{}", req.path(), q),
                }
            } else {
                String::new()
            },
        }),
        Some(u) if u.role >= role => Ok(u),
        Some(u) => Err(AppError::Forbidden {
            message: not_allowed(
                &u,
                role,
                !matches!(
                    *req.method(),
                    actix_web::http::Method::GET | actix_web::http::Method::HEAD
                ),
            ),
        }),
    }
}

macro_rules! role_extractor {
    ($(#[$doc:meta])* $name:ident, $role:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        pub struct $name(pub CurrentUser);

        impl FromRequest for $name {
            type Error = AppError;
            type Future = Ready<Result<Self, Self::Error>>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                ready(require(req, $role).map($name))
            }
        }
    };
}

role_extractor!(
    /// Any signed-in user (viewer, staff or admin): reading.
    SignedIn,
    Role::Viewer
);
role_extractor!(
    /// Staff or admin: changing contacts, segments, interactions and campaigns.
    Staff,
    Role::Staff
);
role_extractor!(
    /// Admin only: users, setup tables, number series, the audit trail.
    Admin,
    Role::Admin
);

/// The client's address: the peer, or the address the trusted proxy gave
/// ([`forwarded_for`]) when it is trusted.
pub fn client_ip(req: &HttpRequest, trust_proxy: bool) -> String {
    trust_proxy
        .then(|| forwarded_for(req.headers()))
        .flatten()
        .or_else(|| req.peer_addr().map(|a| a.ip().to_string()))
        .unwrap_or_else(|| "unknown".into())
}

/// The address a reverse proxy put last in `X-Forwarded-For`: the peer it saw (nginx's
/// `$remote_addr` sets it alone, `$proxy_add_x_forwarded_for` and haproxy's `forwardfor` add
/// it after whatever the client sent). Not `Forwarded`, which such a proxy passes on as the
/// client wrote it: read first (as actix-web's "real IP" does), any client could name any
/// address — sidestep the sign-in throttle, lock another user out, write the audit trail's
/// addresses. `None` when the last entry is not an address.
fn forwarded_for(headers: &actix_web::http::header::HeaderMap) -> Option<String> {
    let last = headers
        .get_all("x-forwarded-for")
        .last()?
        .to_str()
        .ok()?
        .rsplit(',')
        .next()?
        .trim();
    last.parse::<std::net::IpAddr>()
        .ok()
        .map(|ip| ip.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proxys_address_is_the_last_of_x_forwarded_for_and_forwarded_is_not_read() {
        use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut h = HeaderMap::new();
            for (name, value) in pairs {
                h.append(
                    HeaderName::from_static(name),
                    HeaderValue::from_static(value),
                );
            }
            h
        };
        type Headers = &'static [(&'static str, &'static str)];
        let cases: [(Headers, Option<&str>); 6] = [
            (&[("x-forwarded-for", "10.0.0.7")], Some("10.0.0.7")),
            (
                &[("x-forwarded-for", "6.6.6.6, 10.0.0.7")],
                Some("10.0.0.7"),
            ),
            (
                &[
                    ("x-forwarded-for", "6.6.6.6"),
                    ("x-forwarded-for", "2001:db8::1"),
                ],
                Some("2001:db8::1"),
            ),
            (&[("forwarded", "for=6.6.6.6")], None),
            (
                &[
                    ("forwarded", "for=6.6.6.6"),
                    ("x-forwarded-for", "10.0.0.7"),
                ],
                Some("10.0.0.7"),
            ),
            (&[("x-forwarded-for", "10.0.0.7, not an address")], None),
        ];
        for (pairs, want) in cases {
            assert_eq!(forwarded_for(&headers(pairs)).as_deref(), want, "{pairs:?}");
        }
    }

    #[test]
    fn roles_are_ordered_by_power() {
        assert!(Role::Admin > Role::Staff && Role::Staff > Role::Viewer);
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
