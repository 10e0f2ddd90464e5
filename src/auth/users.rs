//! Users: the model, its rules, and its queries.

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DbError};

use super::{password, CurrentUser, Role};
use crate::db::schema::users;
use crate::web::FormErrors;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub active: bool,
    pub password_hash: String,
    pub salesperson_code: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl User {
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Viewer)
    }

    /// What the audit trail records of a new user: the values a later "user changed" entry
    /// starts from.
    pub fn created_detail(&self) -> String {
        let mut s = format!("role {}; full name {}", self.role, self.display_name);
        if let Some(code) = &self.salesperson_code {
            s.push_str(&format!("; salesperson {code}"));
        }
        s
    }

    pub fn role_label(&self) -> &'static str {
        self.role().label()
    }

    pub fn current(&self) -> CurrentUser {
        CurrentUser {
            id: self.id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: self.role(),
            salesperson_code: self.salesperson_code.clone(),
        }
    }
}

/// What a form or the command line gives for a new user, checked by [`NewUser::validate`].
#[derive(Clone, Debug, Default)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub salesperson_code: String,
    pub password: String,
    pub password_confirmation: String,
}

/// The profile fields an administrator may change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserChanges {
    pub display_name: String,
    pub role: String,
    pub salesperson_code: String,
}

/// The longest user name.
pub const USERNAME_MAX: usize = 50;

/// A name typed at sign-in as recorded (its failures, the audit trail): at most one character
/// more than the longest user name, "…" marking one cut short.
pub fn recorded_name(typed: &str) -> String {
    if typed.chars().count() > USERNAME_MAX {
        typed.chars().take(USERNAME_MAX).chain(['…']).collect()
    } else {
        typed.to_string()
    }
}

fn check_username(username: &str, errors: &mut FormErrors) {
    if username.is_empty() {
        errors.add("username", "Enter a user name.");
    } else if username.chars().count() > USERNAME_MAX {
        errors.add("username", "Use at most 50 characters.");
    } else if let Some(other) = username
        .chars()
        .find(|c| !(c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@')))
    {
        // Said which: a combining accent or a middle dot was told "(no spaces)".
        let which = if other.is_whitespace() {
            "a space".to_string()
        } else if other.is_control() || crate::db::text::invisible(other) {
            format!("an invisible character (U+{:04X})", other as u32)
        } else {
            format!("“{other}”")
        };
        errors.add(
            "username",
            format!("Use letters, digits and . _ - @ only: the name has {which}."),
        );
    } else if username.chars().all(|c| c == '.') {
        // `/admin/users/..` is another address: the user's page could not be reached.
        errors.add("username", "A user name cannot be dots only.");
    } else if username.eq_ignore_ascii_case("new") {
        errors.add(
            "username",
            "“new” is the address of the New user page: choose another name.",
        );
    } else if unicode_normalization::UnicodeNormalization::nfkc(username).ne(username.chars()) {
        // A full-width ａｄｍｉｎ could stand beside admin, looking the same.
        errors.add(
            "username",
            "Use the plain form of each letter and digit (ａ is written a).",
        );
    } else if let Some(digit) = username
        .chars()
        .find(|c| c.is_numeric() && !c.is_ascii_digit())
    {
        // An Arabic-Indic ١ in "admin1" stood beside admin1, looking alike.
        errors.add(
            "username",
            format!("Write digits as 0 to 9: {digit} is a digit of another script."),
        );
    } else if let Some((odd, plain)) = username.chars().find_map(look_alike) {
        // A dotless ı in "admın" stood beside admin, looking the same in the list.
        errors.add(
            "username",
            format!("Write {plain} instead of {odd}, which looks like it in another name."),
        );
    } else if let Some(other) = mixed_alphabet(username) {
        // A Cyrillic а in "аdmin" stood beside admin, looking the same in the list and the
        // audit trail.
        errors.add(
            "username",
            format!(
                "Use the letters of one alphabet: {other} is of another alphabet than the \
                 name's other letters, and may look like one of theirs."
            ),
        );
    }
}

/// A Latin letter that looks like a plain one of another name (`admın` beside `admin`), and
/// that plain letter.
fn look_alike(c: char) -> Option<(char, char)> {
    let plain = match c {
        'ı' | 'ɩ' | 'ɪ' => 'i',
        'ǀ' => 'l',
        'ɑ' => 'a',
        'ɡ' => 'g',
        'ȷ' => 'j',
        'ᴏ' => 'o',
        _ => return None,
    };
    Some((c, plain))
}

/// The alphabet of a letter, for the ones whose letters look alike (Latin, Greek,
/// Cyrillic); `None` for others and for what is no letter.
fn alphabet(c: char) -> Option<&'static str> {
    match c {
        'a'..='z' | 'A'..='Z' | '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}' => Some("Latin"),
        '\u{0370}'..='\u{03FF}' | '\u{1F00}'..='\u{1FFF}' => Some("Greek"),
        '\u{0400}'..='\u{052F}' => Some("Cyrillic"),
        // Any other letter (small capitals ᴠ, IPA letters, Armenian ո, Lisu ꓲ) is of another
        // alphabet than these: a name of such letters alone may be, but not one mixed with
        // these (`rvg_admiո` stood beside rvg_admin).
        c if c.is_alphabetic() => Some("another"),
        _ => None,
    }
}

/// The first letter of `name` of another alphabet than its first letter's ([`alphabet`]).
fn mixed_alphabet(name: &str) -> Option<char> {
    let mut letters = name.chars().filter_map(|c| alphabet(c).map(|a| (c, a)));
    let (_, first) = letters.next()?;
    letters.find(|(_, a)| *a != first).map(|(c, _)| c)
}

fn check_profile(display_name: &str, role: &str, salesperson: &str, errors: &mut FormErrors) {
    if display_name.is_empty() {
        errors.add("display_name", "Enter the name to show for this user.");
    } else if display_name.chars().count() > 100 {
        errors.add("display_name", "Use at most 100 characters.");
    } else if display_name.chars().any(char::is_control) {
        // A line break (from the command line, say) came back from a browser's hidden field
        // as CR LF: the user's page then refused every save as changed by someone else.
        errors.add("display_name", "Write the name on one line, without tabs.");
    } else if display_name.chars().any(crate::db::text::invisible) {
        // A direction override turned the rest of the users list's row, and the page header's
        // name and role, around.
        errors.add(
            "display_name",
            "Write the name without invisible characters (such as a zero-width space or a \
             direction mark pasted with it).",
        );
    }
    if Role::parse(role).is_none() {
        errors.add("role", "Choose admin, staff or viewer.");
    }
    if salesperson.chars().count() > 20 {
        errors.add("salesperson_code", "Use at most 20 characters.");
    }
}

/// `s` without its edge spaces and invisible characters (a name of a zero-width space alone
/// was a user of no visible name), composed (NFC) as every form field is when it comes in: a
/// user added from the command line gets the same name and password as one typed in a form.
fn tidy(s: &str) -> String {
    crate::db::text::composed(crate::db::text::trimmed(s)).into_owned()
}

impl NewUser {
    pub fn trimmed(mut self) -> Self {
        self.username = tidy(&self.username);
        self.display_name = tidy(&self.display_name);
        self.role = self.role.trim().to_string();
        self.salesperson_code = tidy(&self.salesperson_code).to_uppercase();
        self.password = crate::db::text::composed(&self.password).into_owned();
        self.password_confirmation =
            crate::db::text::composed(&self.password_confirmation).into_owned();
        self
    }

    pub fn validate(&self) -> FormErrors {
        let mut errors = FormErrors::new();
        check_username(&self.username, &mut errors);
        check_profile(
            &self.display_name,
            &self.role,
            &self.salesperson_code,
            &mut errors,
        );
        if let Err(message) =
            password::check_new(&self.password, &self.password_confirmation, &self.username)
        {
            // The mismatch next to "Repeat the password" (it was under "Password").
            errors.add(password::field_of(message), message);
        }
        errors
    }
}

impl UserChanges {
    /// A user's values as the form shows them.
    pub fn of(user: &User) -> UserChanges {
        UserChanges {
            display_name: user.display_name.clone(),
            role: user.role.clone(),
            salesperson_code: user.salesperson_code.clone().unwrap_or_default(),
        }
    }

    /// The fields where `other` differs from these values: (label, these, other's), a value
    /// shown as "(none)" when empty.
    pub fn differences(&self, other: &UserChanges) -> Vec<(&'static str, String, String)> {
        let shown = |v: &str| {
            if v.is_empty() {
                "(none)".to_string()
            } else {
                v.to_string()
            }
        };
        [
            ("Full name", &self.display_name, &other.display_name),
            ("Role", &self.role, &other.role),
            (
                "Salesperson code",
                &self.salesperson_code,
                &other.salesperson_code,
            ),
        ]
        .into_iter()
        .filter(|(_, a, b)| a != b)
        .map(|(label, a, b)| (label, shown(a), shown(b)))
        .collect()
    }

    /// These typed values over `now`, the user as saved since the form showed `opened`: a
    /// field the form left as it was takes the value saved now, so that saving again keeps
    /// a colleague's change to it.
    pub fn over(&self, opened: &UserChanges, now: &UserChanges) -> UserChanges {
        let pick = |typed: &String, shown: &String, saved: &String| {
            if typed == shown { saved } else { typed }.clone()
        };
        UserChanges {
            display_name: pick(&self.display_name, &opened.display_name, &now.display_name),
            role: pick(&self.role, &opened.role, &now.role),
            salesperson_code: pick(
                &self.salesperson_code,
                &opened.salesperson_code,
                &now.salesperson_code,
            ),
        }
    }

    pub fn trimmed(mut self) -> Self {
        self.display_name = tidy(&self.display_name);
        self.role = self.role.trim().to_string();
        self.salesperson_code = tidy(&self.salesperson_code).to_uppercase();
        self
    }

    pub fn validate(&self) -> FormErrors {
        let mut errors = FormErrors::new();
        check_profile(
            &self.display_name,
            &self.role,
            &self.salesperson_code,
            &mut errors,
        );
        errors
    }
}

/// A user's default salesperson must be one of the salespeople, and not a blocked one, unless
/// it is the user's already (`kept`): new segments and campaigns would silently get none,
/// as a blocked salesperson is not given to new records.
pub fn check_salesperson(
    conn: &mut PgConnection,
    code: &str,
    kept: Option<&str>,
    errors: &mut FormErrors,
) -> QueryResult<()> {
    if errors.has("salesperson_code") {
        return Ok(());
    }
    crate::setup::salespeople::check_chosen(conn, errors, "salesperson_code", code, kept)
}

fn optional(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("invalid")]
    Invalid(FormErrors),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Creates a user after validating `new`; a taken name is a field error, not a failure.
/// What [`create`] would refuse of `new` but its password: the command line says so before it
/// asks for the password (twice).
pub fn check_before_password(conn: &mut PgConnection, new: &NewUser) -> QueryResult<FormErrors> {
    let mut errors = FormErrors::new();
    check_username(&new.username, &mut errors);
    check_profile(
        &new.display_name,
        &new.role,
        &new.salesperson_code,
        &mut errors,
    );
    if !errors.has("username") && find_by_username(conn, &new.username)?.is_some() {
        errors.add("username", "This user name is already taken.");
    }
    if !errors.has("salesperson_code") {
        check_salesperson(conn, &new.salesperson_code, None, &mut errors)?;
    }
    Ok(errors)
}

pub fn create(conn: &mut PgConnection, new: &NewUser) -> Result<User, CreateError> {
    create_from_form(conn, new, None)
}

/// [`create`], keeping the New user form's one-time key (`db::once`) with the user.
pub fn create_from_form(
    conn: &mut PgConnection,
    new: &NewUser,
    form_key: Option<&str>,
) -> Result<User, CreateError> {
    let mut errors = new.validate();
    if !errors.has("username") && find_by_username(conn, &new.username)?.is_some() {
        errors.add("username", "This user name is already taken.");
    }
    check_salesperson(conn, &new.salesperson_code, None, &mut errors)?;
    if !errors.is_empty() {
        return Err(CreateError::Invalid(errors));
    }
    let hash = password::hash(&new.password)?;
    // In a savepoint, so that the caller's transaction survives a refusal.
    let result = conn.transaction(|conn| {
        diesel::insert_into(users::table)
            .values((
                users::username.eq(&new.username),
                users::display_name.eq(&new.display_name),
                users::role.eq(Role::parse(&new.role).unwrap_or(Role::Viewer).as_str()),
                users::password_hash.eq(hash),
                users::salesperson_code.eq(optional(&new.salesperson_code)),
                users::form_key.eq(form_key),
            ))
            .returning(User::as_returning())
            .get_result(conn)
    });
    match result {
        Ok(user) => {
            if user.role() == Role::Admin {
                // An administrator exists: a first-run link printed earlier is dead for good,
                // however it was made (the link itself, the command line, the Users page).
                diesel::delete(crate::db::schema::setup_tokens::table).execute(conn)?;
            }
            Ok(user)
        }
        Err(DbError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
            errors.add("username", "This user name is already taken.");
            Err(CreateError::Invalid(errors))
        }
        Err(DbError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _)) => {
            errors.add(
                "salesperson_code",
                "This salesperson was deleted a moment ago. Choose another.",
            );
            Err(CreateError::Invalid(errors))
        }
        Err(e) => Err(e.into()),
    }
}

/// [`find_by_username`], the row locked until the transaction ends (a change of the user).
pub fn lock_by_username(conn: &mut PgConnection, username: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(crate::db::text::rapport_fold(users::username).eq(crate::db::fold(username.trim())))
        .select(User::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn find_by_username(conn: &mut PgConnection, username: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(crate::db::text::rapport_fold(users::username).eq(crate::db::fold(username.trim())))
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// Looks a user up by name and checks the password: the user (if any) and whether the
/// sign-in may go ahead. Every path verifies exactly one Argon2 hash (a throwaway one for an
/// unknown name), so the answer takes as long for an unknown user as for a wrong password.
pub fn authenticate(
    conn: &mut PgConnection,
    username: &str,
    password: &str,
) -> QueryResult<(Option<User>, bool)> {
    let (user, password_right) = check_password(conn, username, password)?;
    let verified = password_right && user.as_ref().is_some_and(|u| u.active);
    Ok((user, verified))
}

/// [`authenticate`]'s look-up and check, without the user's being active: the user (if any)
/// and whether the password is theirs. A disabled user who gave their own password is told
/// that the account is disabled, not that it was wrong. (A guesser learns that a disabled
/// account's password was right, within the sign-in throttle: the price of telling its user
/// why they cannot sign in.)
pub fn check_password(
    conn: &mut PgConnection,
    username: &str,
    password: &str,
) -> QueryResult<(Option<User>, bool)> {
    let user = find_by_username(conn, username)?;
    let right = match &user {
        Some(u) => super::password::verify(password, &u.password_hash),
        None => {
            super::password::verify_dummy(password);
            false
        }
    };
    Ok((user, right))
}

/// Whether a user that [`authenticate`] verified may be signed in now: still active and still
/// with the password hash that was checked. Its row is locked (`FOR SHARE`) until the sign-in's
/// transaction ends, so a password change or a disabling that commits while the password was
/// being checked (Argon2 takes a while, outside any transaction) is seen here and refuses the
/// sign-in, and one that comes later waits for the new session and then ends it with the
/// others. Call it in the transaction that creates the session.
pub fn still_verified(conn: &mut PgConnection, user: &User) -> QueryResult<bool> {
    unchanged(user)
        .for_share()
        .first::<i64>(conn)
        .optional()
        .map(|row| row.is_some())
}

/// As [`still_verified`], locking the user's row for a change of it: two changes of one
/// password at once (a double click) wait for each other instead of both reading it
/// unchanged and then deadlocking on their updates.
pub fn still_verified_to_change(conn: &mut PgConnection, user: &User) -> QueryResult<bool> {
    unchanged(user)
        .for_update()
        .first::<i64>(conn)
        .optional()
        .map(|row| row.is_some())
}

/// The user's id, if they are active and their password is still the one `user` was read with.
#[diesel::dsl::auto_type(no_type_alias)]
fn unchanged<'a>(user: &'a User) -> _ {
    let id: i64 = user.id;
    let hash: &'a str = user.password_hash.as_str();
    users::table
        .filter(users::id.eq(id))
        .filter(users::active.eq(true))
        .filter(users::password_hash.eq(hash))
        .select(users::id)
}

/// Whether the active user `id`'s password is now `password`: the change a form asked for was
/// made already (by the same form sent twice).
pub fn password_is_now(conn: &mut PgConnection, id: i64, password: &str) -> QueryResult<bool> {
    let hash = users::table
        .find(id)
        .filter(users::active.eq(true))
        .select(users::password_hash)
        .first::<String>(conn)
        .optional()?;
    Ok(hash.is_some_and(|hash| super::password::verify(password, &hash)))
}

/// Every user, by name in the office's alphabet (`locale`'s, as contacts' names): "anna"
/// beside "Anders", "Åse" where the office looks for it (it was the bytes' order, "Bo" before
/// "anna").
pub fn list(conn: &mut PgConnection, locale: crate::config::Locale) -> QueryResult<Vec<User>> {
    let collation = crate::db::names::collation(locale);
    users::table
        .select(User::as_select())
        .order((
            diesel::dsl::sql::<diesel::sql_types::Text>(&format!(
                "username COLLATE \"{collation}\""
            )),
            users::username.asc(),
        ))
        .load(conn)
}

pub fn admin_exists(conn: &mut PgConnection) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        users::table.filter(users::role.eq("admin").and(users::active.eq(true))),
    ))
    .get_result(conn)
}

/// Other active administrators than `except`: the last one may not be disabled or demoted.
/// Every active administrator's row is locked until the caller's transaction ends, so two
/// administrators demoting or disabling each other at the same moment run one after the
/// other: the second sees the first's change and is refused, no longer an administrator
/// ([`lock_admins_acting`]) or the last one left (each counting the other, both went through
/// and nobody was left to manage users).
pub fn other_active_admins(conn: &mut PgConnection, except: i64) -> QueryResult<i64> {
    let admins = lock_active_admins(conn)?;
    Ok(admins.iter().filter(|id| **id != except).count() as i64)
}

/// [`lock_active_admins`] for a change administrator `acting` makes: `None` when they are no
/// longer one of them. Their rights were read when the request began; an administrator
/// demoted or disabled by a colleague while the request waited for these rows does not act as
/// one (with three, two demoting each other both went through, the second by a demoted one).
pub fn lock_admins_acting(conn: &mut PgConnection, acting: i64) -> QueryResult<Option<Vec<i64>>> {
    let admins = lock_active_admins(conn)?;
    Ok(admins.contains(&acting).then_some(admins))
}

/// Locks every active administrator's row, in the order of their ids, until the transaction
/// ends. A change that may take an administrator away locks these before the user's own row:
/// two administrators demoting each other then wait for one another, in one order, where
/// each holding the other's row and waiting for its own was a deadlock (one of them a 503).
pub fn lock_active_admins(conn: &mut PgConnection) -> QueryResult<Vec<i64>> {
    users::table
        .filter(users::role.eq("admin"))
        .filter(users::active.eq(true))
        .select(users::id)
        .order(users::id)
        .for_update()
        .load(conn)
}

pub fn update_profile(
    conn: &mut PgConnection,
    id: i64,
    changes: &UserChanges,
) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((
            users::display_name.eq(&changes.display_name),
            users::role.eq(Role::parse(&changes.role).unwrap_or(Role::Viewer).as_str()),
            users::salesperson_code.eq(optional(&changes.salesperson_code)),
            users::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
}

/// Stores a new password hash and ends every session of the user. Hash first (slow), then
/// call this inside the action's transaction.
pub fn set_password_hash(conn: &mut PgConnection, id: i64, hash: &str) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(hash),
            users::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)?;
    super::session::destroy_for_user(conn, id)?;
    // The wrong passwords that led to a reset no longer hold the new one back.
    let username = users::table
        .find(id)
        .select(users::username)
        .first::<String>(conn)?;
    super::throttle::clear(conn, &username)
}

/// Enables or disables a user; disabling ends every session of the user.
pub fn set_active(conn: &mut PgConnection, id: i64, active: bool) -> QueryResult<()> {
    conn.transaction(|conn| {
        diesel::update(users::table.find(id))
            .set((
                users::active.eq(active),
                users::updated_at.eq(diesel::dsl::now),
            ))
            .execute(conn)?;
        if !active {
            super::session::destroy_for_user(conn, id)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> NewUser {
        NewUser {
            username: "maria.k".into(),
            display_name: "Maria K".into(),
            role: "staff".into(),
            salesperson_code: String::new(),
            password: "long enough pw".into(),
            password_confirmation: "long enough pw".into(),
        }
    }

    #[test]
    fn a_valid_user_has_no_errors() {
        assert!(valid().validate().is_empty());
    }

    #[test]
    fn each_field_is_checked() {
        let mut u = valid();
        u.username = "has space".into();
        u.display_name = String::new();
        u.role = "root".into();
        u.password_confirmation = "different".into();
        let e = u.validate();
        for field in ["username", "display_name", "role", "password_confirmation"] {
            assert!(e.has(field), "{field} should have an error");
        }
    }

    /// Names whose page could not be reached (`.`, `..`, `new`), or that look like another's
    /// (full-width letters), are refused; Nordic letters are plain letters.
    #[test]
    fn user_names_that_could_not_be_told_apart_or_reached_are_refused() {
        for (name, message) in [
            (".", "A user name cannot be dots only."),
            ("..", "A user name cannot be dots only."),
            (
                "New",
                "“new” is the address of the New user page: choose another name.",
            ),
            (
                "ａｄｍｉｎ",
                "Use the plain form of each letter and digit (ａ is written a).",
            ),
        ] {
            let mut u = valid();
            u.username = name.into();
            assert_eq!(u.validate().get("username"), Some(message), "{name}");
        }
        for name in [
            "аdmin", "admіn", "pαul", "admiո", "ᴠiewer", "staꜰf", "ꓲadmin",
        ] {
            let mut u = valid();
            u.username = name.into();
            assert!(
                u.validate()
                    .get("username")
                    .is_some_and(|m| m.starts_with("Use the letters of one alphabet")),
                "{name}"
            );
        }
        for (name, message) in [
            (
                "has space",
                "Use letters, digits and . _ - @ only: the name has a space.",
            ),
            (
                "rvb·x",
                "Use letters, digits and . _ - @ only: the name has “·”.",
            ),
            (
                "admın",
                "Write i instead of ı, which looks like it in another name.",
            ),
            (
                "staffǀ",
                "Write l instead of ǀ, which looks like it in another name.",
            ),
            (
                "adm١",
                "Write digits as 0 to 9: ١ is a digit of another script.",
            ),
        ] {
            let mut u = valid();
            u.username = name.into();
            assert_eq!(u.validate().get("username"), Some(message), "{name}");
        }
        let mut u = valid();
        u.display_name = "RVB \u{202E}evil".into();
        assert!(u
            .trimmed()
            .validate()
            .get("display_name")
            .is_some_and(|m| m.contains("invisible characters")));
        let mut u = valid();
        u.display_name = "\u{200B}".into();
        assert_eq!(
            u.trimmed().validate().get("display_name"),
            Some("Enter the name to show for this user.")
        );
        let mut u = valid();
        u.display_name = "Bo\nK".into();
        assert_eq!(
            u.validate().get("display_name"),
            Some("Write the name on one line, without tabs.")
        );
        for name in [
            "søren.ø",
            "new.user",
            "a..b",
            "Åse",
            "иван",
            "ελένη",
            "łukasz",
        ] {
            let mut u = valid();
            u.username = name.into();
            assert!(!u.validate().has("username"), "{name}");
        }
    }

    #[test]
    fn a_name_typed_at_sign_in_is_recorded_at_most_51_characters_long() {
        assert_eq!(recorded_name("maria"), "maria");
        let long = "x".repeat(300);
        let recorded = recorded_name(&long);
        assert_eq!(recorded.chars().count(), 51);
        assert!(recorded.ends_with('…'));
    }
}
