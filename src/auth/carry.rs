//! A form sent after its session had ended is kept for the user of that session, so that what
//! was typed is not lost: it is stored (`kept_forms`) under a random key that the sign-in page
//! holds, and once that user has signed in again, a page offers to send it, with the new
//! session's token, to the address it was sent to. Nothing of it is done before the user sends
//! it from that page; anyone else who signs in on that page never sees it (the form may hold
//! what its user may do and they may not), and a sign-in form cannot bring a form of its own.
//!
//! Only forms of Rapport's own pages come this far (the origin check has passed), and only a
//! click on Rapport's page sends them again, as an ordinary request that the route checks as
//! it checks every other: role, token, and its own stale-form and version checks.

use diesel::prelude::*;

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

/// How long a kept form waits for its user to sign in again.
pub const KEPT_HOURS: i32 = 12;

/// How many forms are kept for one user at most (two tabs, three: not a hundred forms sent
/// over and over with the cookie of a session that ended).
pub const KEPT_PER_USER: i64 = 20;

/// Keeps `carried` for the user `user_id`; the key goes into the sign-in page. `None` when
/// [`KEPT_PER_USER`] are kept for them already.
pub fn keep(
    conn: &mut PgConnection,
    user_id: i64,
    carried: &Carried,
) -> QueryResult<Option<String>> {
    use crate::db::schema::kept_forms as k;
    let kept: i64 = k::table
        .filter(k::user_id.eq(user_id))
        .count()
        .get_result(conn)?;
    if kept >= KEPT_PER_USER {
        return Ok(None);
    }
    let key = super::session::random_key();
    diesel::insert_into(k::table)
        .values((
            k::id_hash.eq(super::session::hash_key(&key)),
            k::user_id.eq(user_id),
            k::action.eq(&carried.action),
            k::body.eq(&carried.body),
            k::passwords_dropped.eq(carried.passwords_dropped),
        ))
        .execute(conn)?;
    Ok(Some(key))
}

/// The form kept under `key` for `user_id`; `None` when there is none, it is older than
/// [`KEPT_HOURS`], or it is another user's (then it is dropped: the sign-in page that held
/// its key is gone for its user). It stays for its user until it is that old, so that the
/// page that offers it can be shown again (a reload, the sign-in form of another tab).
pub fn find(conn: &mut PgConnection, key: &str, user_id: i64) -> QueryResult<Option<Carried>> {
    use crate::db::schema::kept_forms as k;
    if key.is_empty() {
        return Ok(None);
    }
    let hash = super::session::hash_key(key);
    let taken: Option<(i64, String, String, bool, chrono::DateTime<chrono::Utc>)> = k::table
        .filter(k::id_hash.eq(&hash))
        .select((
            k::user_id,
            k::action,
            k::body,
            k::passwords_dropped,
            k::created_at,
        ))
        .first(conn)
        .optional()?;
    if taken.as_ref().is_some_and(|t| t.0 != user_id) {
        diesel::delete(k::table.filter(k::id_hash.eq(&hash))).execute(conn)?;
    }
    let fresh = |at: chrono::DateTime<chrono::Utc>| {
        chrono::Utc::now() - at < chrono::Duration::hours(i64::from(KEPT_HOURS))
    };
    Ok(
        taken.and_then(|(owner, action, body, passwords_dropped, at)| {
            (owner == user_id && fresh(at)).then_some(Carried {
                action,
                body,
                passwords_dropped,
            })
        }),
    )
}

/// Removes the kept forms that waited too long.
pub fn prune(conn: &mut PgConnection) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM kept_forms WHERE created_at < now() - make_interval(hours => $1)",
    )
    .bind::<diesel::sql_types::Integer, _>(KEPT_HOURS)
    .execute(conn)
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
        }
        assert_eq!(
            Carried::of_form("/contacts", &vec![b'a'; CARRY_LIMIT + 1]),
            None
        );
        assert_eq!(Carried::of_form("/contacts", b"name=A%FF%FE"), None);
        assert_eq!(Carried::of_form("/contacts", b"name=A%00"), None);
        assert!(Carried::of_form("/contacts", &vec![b'a'; CARRY_LIMIT]).is_some());
    }
}
