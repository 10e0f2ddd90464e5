//! A form sent after its session had ended is carried through the sign-in page, so that
//! what was typed is not lost: the sign-in page keeps it in two hidden fields, and once the
//! user has signed in, a page offers to send it again, with the new session's token, to the
//! address it was sent to. Nothing of it is done before the user sends it from that page.
//!
//! Only forms of Rapport's own pages come this far (the origin check has passed), and only a
//! click on Rapport's page sends them again, as an ordinary request that the route checks as
//! it checks every other: role, token, and its own stale-form and version checks.

use super::session::CSRF_FIELD;

/// The largest form body that is carried (URL-encoded). The sign-in form carries it in one
/// field, encoded once more (up to three times as long), inside the 256 KiB a form may have.
pub const CARRY_LIMIT: usize = 64 * 1024;

/// Where a form is never carried to: the sign-in, sign-out and first-run forms are a
/// visitor's own and have their own ways (see `csrf::StaleForm`).
const NOT_CARRIED: [&str; 3] = ["/login", "/logout", "/setup"];

/// A form sent after its session had ended: its address and its fields, without the old
/// token and without any password.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Carried {
    /// The path and query the form was sent to.
    pub action: String,
    /// The form's fields, URL-encoded, as they are carried in the sign-in form.
    pub body: String,
    /// Whether a password field was left out (it is never written into a page).
    pub passwords_dropped: bool,
}

/// Whether a field holds a password, which is never written into a page again.
fn is_password(name: &str) -> bool {
    name.to_ascii_lowercase().contains("password")
}

impl Carried {
    /// What is carried of a form sent to `action` with the URL-encoded `body`, or nothing
    /// when it may not be (an address of its own, a body over [`CARRY_LIMIT`]).
    pub fn of_form(action: &str, body: &[u8]) -> Option<Carried> {
        let action = crate::web::forms::safe_next(action)?;
        let path = action.split('?').next().unwrap_or_default();
        if NOT_CARRIED.contains(&path) || body.len() > CARRY_LIMIT {
            return None;
        }
        // A NUL or what is not UTF-8 is refused by the form's own route, saying so; carried,
        // it was read with replacement characters and saved so.
        if crate::web::middleware::checked(body).is_err() {
            return None;
        }
        let mut passwords_dropped = false;
        let mut kept = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in url::form_urlencoded::parse(body) {
            if name == CSRF_FIELD {
                continue;
            }
            if is_password(&name) {
                passwords_dropped |= !value.is_empty();
                continue;
            }
            kept.append_pair(&name, &value);
        }
        Some(Carried {
            action,
            body: kept.finish(),
            passwords_dropped,
        })
    }

    /// What the sign-in form sent back of it (its hidden fields), checked as when it was
    /// first carried: a visitor's own sign-in form is theirs to write anything into.
    pub fn from_sign_in(action: &str, body: &str, passwords_dropped: bool) -> Option<Carried> {
        if action.is_empty() {
            return None;
        }
        Carried::of_form(action, body.as_bytes()).map(|c| Carried {
            passwords_dropped: c.passwords_dropped || passwords_dropped,
            ..c
        })
    }

    /// The fields to send again, in their order (a name may come more than once).
    pub fn fields(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(self.body.as_bytes())
            .map(|(n, v)| (n.into_owned(), v.into_owned()))
            .collect()
    }

    /// The path the form was sent to, without its query.
    pub fn path(&self) -> &str {
        self.action.split('?').next().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_is_carried_without_its_token_and_its_passwords() {
        let carried = Carried::of_form(
            "/contacts/CT000001?x=1",
            b"csrf_token=abc&name=R%C3%B3%C5%BCa+%26+Co&tag=a&tag=b&new_password=secret&\
              password_confirmation=",
        )
        .unwrap();
        assert_eq!(carried.action, "/contacts/CT000001?x=1");
        assert_eq!(carried.path(), "/contacts/CT000001");
        assert!(carried.passwords_dropped);
        assert_eq!(
            carried.fields(),
            vec![
                ("name".to_string(), "Róża & Co".to_string()),
                ("tag".to_string(), "a".to_string()),
                ("tag".to_string(), "b".to_string()),
            ]
        );
        // An empty password field left out is no password lost.
        let plain = Carried::of_form("/contacts", b"name=A&password=").unwrap();
        assert!(!plain.passwords_dropped);
    }

    #[test]
    fn the_sign_in_forms_and_other_sites_are_not_carried() {
        for action in [
            "/login",
            "/login?next=%2F",
            "/logout",
            "/setup",
            "//evil.example/x",
            "https://evil.example/",
            "/\\evil.example",
            "",
        ] {
            assert_eq!(Carried::of_form(action, b"a=1"), None, "{action}");
            assert_eq!(
                Carried::from_sign_in(action, "a=1", false),
                None,
                "{action}"
            );
        }
        assert_eq!(
            Carried::of_form("/contacts", &vec![b'a'; CARRY_LIMIT + 1]),
            None
        );
        assert_eq!(Carried::of_form("/contacts", b"name=A%FF%FE"), None);
        assert_eq!(Carried::of_form("/contacts", b"name=A%00"), None);
        assert!(Carried::of_form("/contacts", &vec![b'a'; CARRY_LIMIT]).is_some());
    }

    #[test]
    fn what_the_sign_in_form_sends_back_is_checked_again() {
        let back = Carried::from_sign_in("/segments/SM00001", "csrf_token=x&password=p&d=1", true)
            .unwrap();
        assert_eq!(back.fields(), vec![("d".to_string(), "1".to_string())]);
        assert!(back.passwords_dropped);
    }
}
