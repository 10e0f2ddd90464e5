//! The contact model: fields, the rules a contact must follow, and its queries.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text, Timestamptz};
use serde::Deserialize;

use crate::db::schema::contacts;
use crate::setup;
use crate::web::FormErrors;

crate::db::columns::columns_in_order! {
    /// A contact as stored. Read by diesel's query builder (`Contact::as_select()`), and by
    /// name from a statement that selects `c.*` (column after column, in the table's order).
    #[derive(Clone, Debug, Queryable, Selectable)]
    #[diesel(table_name = contacts)]
    pub struct Contact {
        pub id: i64 as BigInt,
        pub no: String as Text,
        #[diesel(column_name = type_)]
        pub kind: String as Text = "type",
        pub name: String as Text,
        pub search_name: String as Text,
        pub company_id: Option<i64> as Nullable<BigInt>,
        pub job_title: String as Text,
        pub address: String as Text,
        pub address_2: String as Text,
        pub city: String as Text,
        pub post_code: String as Text,
        pub country_code: Option<String> as Nullable<Text>,
        pub phone: String as Text,
        pub mobile: String as Text,
        pub email: String as Text,
        pub website: String as Text,
        pub salesperson_code: Option<String> as Nullable<Text>,
        pub territory_code: Option<String> as Nullable<Text>,
        pub language_code: Option<String> as Nullable<Text>,
        pub correspondence_type: String as Text,
        pub organizational_level_code: Option<String> as Nullable<Text>,
        pub exclude_from_segment: bool as Bool,
        pub privacy_blocked: bool as Bool,
        pub version: i32 as Integer,
        pub created_at: DateTime<Utc> as Timestamptz,
        pub updated_at: DateTime<Utc> as Timestamptz,
    }
}

/// The address of contact `no`'s card. A No. imported before numbers were refused `/`, `#`,
/// `?` and `%` is escaped, so that its card, not another page, is reached.
pub fn card_href(no: &str) -> String {
    format!("/contacts/{}", crate::web::pagination::path_segment(no))
}

impl Contact {
    pub fn is_company(&self) -> bool {
        self.kind == "company"
    }

    pub fn type_label(&self) -> &'static str {
        type_label(&self.kind)
    }

    pub fn correspondence_label(&self) -> &'static str {
        correspondence_label(&self.correspondence_type)
    }
}

pub fn type_label(kind: &str) -> &'static str {
    match kind {
        "company" => "Company",
        _ => "Person",
    }
}

/// Correspondence types: stored value and label.
pub const CORRESPONDENCE_TYPES: [(&str, &str); 3] = [
    ("", "(none)"),
    ("hard_copy", "Hard Copy"),
    ("email", "E-mail"),
];

pub fn correspondence_label(value: &str) -> &'static str {
    CORRESPONDENCE_TYPES
        .iter()
        .find(|(v, _)| *v == value)
        .map(|(_, l)| *l)
        .unwrap_or("")
}

/// The contact form as typed: every field a string, checkboxes present when ticked.
#[derive(Clone, Debug, Default, Deserialize, serde::Serialize)]
pub struct ContactForm {
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub search_name: String,
    #[serde(default)]
    pub company_no: String,
    #[serde(default)]
    pub job_title: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub address_2: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub post_code: String,
    #[serde(default)]
    pub country_code: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub mobile: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub website: String,
    #[serde(default)]
    pub salesperson_code: String,
    #[serde(default)]
    pub territory_code: String,
    #[serde(default)]
    pub language_code: String,
    #[serde(default)]
    pub correspondence_type: String,
    #[serde(default)]
    pub organizational_level_code: String,
    #[serde(default)]
    pub exclude_from_segment: Option<String>,
    #[serde(default)]
    pub privacy_blocked: Option<String>,
    #[serde(default)]
    pub version: String,
    /// A new contact's form's one-time key ([`crate::db::once`]).
    #[serde(default)]
    pub once: String,
    /// A new person's form filled in from its company: what it took ([`inherit::taken`]).
    #[serde(default)]
    pub took_from: String,
    /// An edit form's fields as it showed them ([`ContactForm::with_shown`]), so that a save
    /// refused over a colleague's keeps their change in the fields the user left alone.
    #[serde(default)]
    pub was: String,
}

/// A validated contact, ready to be written.
#[derive(Clone, Debug, Insertable, AsChangeset)]
#[diesel(table_name = contacts, treat_none_as_null = true)]
pub struct ContactValues {
    #[diesel(column_name = type_)]
    pub kind: String,
    pub name: String,
    pub search_name: String,
    pub company_id: Option<i64>,
    pub job_title: String,
    pub address: String,
    pub address_2: String,
    pub city: String,
    pub post_code: String,
    pub country_code: Option<String>,
    pub phone: String,
    pub mobile: String,
    pub email: String,
    pub website: String,
    pub salesperson_code: Option<String>,
    pub territory_code: Option<String>,
    pub language_code: Option<String>,
    pub correspondence_type: String,
    pub organizational_level_code: Option<String>,
    pub exclude_from_segment: bool,
    pub privacy_blocked: bool,
}

impl ContactForm {
    /// A code of the form opened before an administrator renamed it (the rename reaches the
    /// contact without a new version, and the form still sends the old code of a field its
    /// user never touched): the contact's code now, when the audit trail says the form's was
    /// renamed to it. It was refused ("There is no territory NORTH"), and the user had to
    /// choose the same territory again under its new code. As the segment header's form does.
    pub fn follow_renames(&mut self, conn: &mut PgConnection, saved: &Contact) -> QueryResult<()> {
        use crate::setup::support::follow_rename;
        let fields: [(&mut String, Option<&str>, &str); 5] = [
            (
                &mut self.salesperson_code,
                saved.salesperson_code.as_deref(),
                "salespeople",
            ),
            (
                &mut self.country_code,
                saved.country_code.as_deref(),
                "countries",
            ),
            (
                &mut self.territory_code,
                saved.territory_code.as_deref(),
                "territories",
            ),
            (
                &mut self.language_code,
                saved.language_code.as_deref(),
                "languages",
            ),
            (
                &mut self.organizational_level_code,
                saved.organizational_level_code.as_deref(),
                "organizational_levels",
            ),
        ];
        for (typed, now, table) in fields {
            follow_rename(conn, table, typed, now)?;
        }
        Ok(())
    }

    /// The form of an existing contact, for editing.
    pub fn from_contact(c: &Contact, company_no: Option<String>) -> Self {
        ContactForm {
            kind: c.kind.clone(),
            name: c.name.clone(),
            search_name: c.search_name.clone(),
            company_no: company_no.unwrap_or_default(),
            job_title: c.job_title.clone(),
            address: c.address.clone(),
            address_2: c.address_2.clone(),
            city: c.city.clone(),
            post_code: c.post_code.clone(),
            country_code: c.country_code.clone().unwrap_or_default(),
            phone: c.phone.clone(),
            mobile: c.mobile.clone(),
            email: c.email.clone(),
            website: c.website.clone(),
            salesperson_code: c.salesperson_code.clone().unwrap_or_default(),
            territory_code: c.territory_code.clone().unwrap_or_default(),
            language_code: c.language_code.clone().unwrap_or_default(),
            correspondence_type: c.correspondence_type.clone(),
            organizational_level_code: c.organizational_level_code.clone().unwrap_or_default(),
            exclude_from_segment: c.exclude_from_segment.then(|| "on".into()),
            privacy_blocked: c.privacy_blocked.then(|| "on".into()),
            version: c.version.to_string(),
            once: String::new(),
            took_from: String::new(),
            was: String::new(),
        }
    }

    /// The form with its own fields kept in `was`, as the edit page shows it.
    pub fn with_shown(mut self) -> Self {
        self.was = String::new();
        self.was = serde_json::to_string(&self).unwrap_or_default();
        self
    }

    /// The typed form (`self`) on top of the contact as it is now (`theirs`): each field the
    /// user left as the page showed it (`was`) takes theirs, so that saving again does not
    /// undo a colleague's change there; the fields the user changed keep what was typed. The
    /// result shows `theirs` as its `was`. Without `was` (a form of before it), the typed
    /// form as it is.
    pub fn over(self, theirs: &ContactForm) -> ContactForm {
        use serde_json::Value;
        let to_map = |f: &ContactForm| match serde_json::to_value(f) {
            Ok(Value::Object(map)) => Some(map),
            _ => None,
        };
        let was = serde_json::from_str::<Value>(&self.was).ok();
        let (Some(Value::Object(was)), Some(mut yours), Some(now)) =
            (was, to_map(&self), to_map(theirs))
        else {
            return self;
        };
        for (key, value) in yours.iter_mut() {
            let own = matches!(key.as_str(), "version" | "once" | "took_from" | "was");
            if !own && was.get(key) == Some(value) {
                if let Some(v) = now.get(key) {
                    *value = v.clone();
                }
            }
        }
        match serde_json::from_value::<ContactForm>(Value::Object(yours)) {
            Ok(merged) => ContactForm {
                version: theirs.version.clone(),
                ..merged
            }
            .keep_shown_of(theirs),
            Err(_) => self,
        }
    }

    /// `self` with `was` the fields of `shown`.
    fn keep_shown_of(mut self, shown: &ContactForm) -> ContactForm {
        self.was = shown.clone().with_shown().was;
        self
    }

    pub fn is_person(&self) -> bool {
        self.kind == "person"
    }

    pub fn excluded(&self) -> bool {
        self.exclude_from_segment.is_some()
    }

    pub fn blocked(&self) -> bool {
        self.privacy_blocked.is_some()
    }

    /// Trims every field and upper-cases codes, as Business Central does.
    pub fn normalised(mut self) -> Self {
        let trim = |s: &mut String| *s = crate::db::text::trimmed(s).to_string();
        let code = |s: &mut String| *s = crate::db::text::trimmed(s).to_uppercase();
        trim(&mut self.kind);
        self.kind = self.kind.to_lowercase();
        trim(&mut self.name);
        // Search Name and Post Code are code fields in Business Central: upper case, so a
        // filter finds them however they were typed.
        code(&mut self.search_name);
        code(&mut self.post_code);
        code(&mut self.company_no);
        for f in [
            &mut self.job_title,
            &mut self.address,
            &mut self.address_2,
            &mut self.city,
            &mut self.phone,
            &mut self.mobile,
            &mut self.email,
            &mut self.website,
            &mut self.correspondence_type,
            &mut self.version,
        ] {
            trim(f);
        }
        for f in [
            &mut self.country_code,
            &mut self.salesperson_code,
            &mut self.territory_code,
            &mut self.language_code,
            &mut self.organizational_level_code,
        ] {
            code(f);
        }
        self
    }

    /// Checks what needs no database; see [`validate`] for the rest.
    pub fn check_shape(&self, errors: &mut FormErrors) {
        if self.kind != "company" && self.kind != "person" {
            errors.add("type", "Choose Company or Person.");
        }
        if self.name.is_empty() {
            errors.add("name", "Enter a name.");
        }
        let limits: [(&'static str, &str, usize); 12] = [
            ("name", &self.name, 100),
            ("search_name", &self.search_name, 100),
            ("job_title", &self.job_title, 100),
            ("address", &self.address, 100),
            ("address_2", &self.address_2, 100),
            ("city", &self.city, 50),
            ("post_code", &self.post_code, 20),
            ("phone", &self.phone, 30),
            ("mobile", &self.mobile, 30),
            ("email", &self.email, 250),
            ("website", &self.website, 250),
            ("company_no", &self.company_no, 20),
        ];
        for (field, value, max) in limits {
            if value.chars().count() > max {
                errors.add(field, format!("Use at most {max} characters."));
            } else if value.chars().any(char::is_control) {
                // As an import refuses it: the form shows one line, and its next save glued
                // the lines together.
                errors.add(field, "Write it on one line, without tabs or line breaks.");
            }
        }
        if !self.email.is_empty() && !valid_email(&self.email) {
            errors.add("email", "Enter an e-mail address like name@example.com.");
        }
        if !CORRESPONDENCE_TYPES
            .iter()
            .any(|(v, _)| *v == self.correspondence_type)
        {
            errors.add("correspondence_type", "Choose none, Hard Copy or E-mail.");
        }
        if self.correspondence_type == "email" && self.email.is_empty() {
            errors.add("email", "Correspondence by e-mail needs an e-mail address.");
        }
        if self.kind == "company" && !self.company_no.is_empty() {
            errors.add(
                "company_no",
                "A company does not belong to another company.",
            );
        }
    }
}

/// The contact form's fields as it asks them, for its error summary.
const FORM_ORDER: [&str; 19] = [
    "type",
    "name",
    "company_no",
    "job_title",
    "search_name",
    "address",
    "address_2",
    "post_code",
    "city",
    "country_code",
    "phone",
    "mobile",
    "email",
    "website",
    "correspondence_type",
    "language_code",
    "salesperson_code",
    "territory_code",
    "organizational_level_code",
];

/// A plausible e-mail address: one @, something before it, a dotted domain, no spaces.
pub fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    // Dots only between characters ("ase@nordlys..dk" bounces), and none of the marks that
    // cut an address short in a mail program or a mailto: link ("a;b@x.dk",
    // "a@x.dk?subject=…"); a domain of letters (of any alphabet), digits and hyphens.
    let dotted = |part: &str| part.split('.').all(|label| !label.is_empty());
    let domain_char = |c: char| c.is_alphanumeric() || c == '-' || c == '.';
    !local.is_empty()
        && dotted(local)
        && dotted(domain)
        && domain.contains('.')
        && domain.chars().all(domain_char)
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>,;:\"()[]\\?".contains(c))
}

fn optional(code: &str) -> Option<String> {
    (!code.is_empty()).then(|| code.to_string())
}

/// The company a person's form names: its id, if it exists and is a company.
/// The contact with this No. and its type, its row locked against a change (in the caller's
/// transaction): a company that a person is being saved under cannot become a person
/// meanwhile ([`lock_row`] takes the other side).
pub fn company_id_for(
    conn: &mut PgConnection,
    company_no: &str,
) -> QueryResult<Option<(i64, String)>> {
    contacts::table
        .filter(contacts::no.eq(company_no))
        .select((contacts::id, contacts::type_))
        .for_share()
        .first::<(i64, String)>(conn)
        .optional()
}

/// Locks a contact's row for a change that depends on what refers to it (a company becoming
/// a person counts its persons after this: one being saved under it meanwhile is waited for).
pub fn lock_row(conn: &mut PgConnection, id: i64) -> QueryResult<()> {
    contacts::table
        .find(id)
        .select(contacts::id)
        .for_update()
        .first::<i64>(conn)
        .map(|_| ())
}

/// Locks a contact's row (as [`lock_row`]) and reads its type as it is then: a change of what
/// only one type may hold (classifications, profile answers) checks the type it read here, so
/// that a type change saved meanwhile is waited for and seen, not passed by.
pub fn lock_kind(conn: &mut PgConnection, id: i64) -> QueryResult<String> {
    contacts::table
        .find(id)
        .select(contacts::type_)
        .for_update()
        .first::<String>(conn)
}

/// Validates a normalised form against the database (codes exist, the company is a company)
/// and turns it into values to write. `this` is the contact being edited, if any: its
/// salesperson may stay though blocked since ([`setup::salespeople::check_chosen`]).
pub fn validate(
    conn: &mut PgConnection,
    form: &ContactForm,
    this: Option<&Contact>,
) -> QueryResult<Result<ContactValues, FormErrors>> {
    let mut errors = FormErrors::new();
    form.check_shape(&mut errors);
    let this_id = this.map(|c| c.id);
    setup::salespeople::check_chosen(
        conn,
        &mut errors,
        "salesperson_code",
        &form.salesperson_code,
        this.and_then(|c| c.salesperson_code.as_deref()),
    )?;
    let codes: [(&'static str, &str, &str, &str); 4] = [
        (
            "country_code",
            "countries",
            &form.country_code,
            "country/region",
        ),
        (
            "territory_code",
            "territories",
            &form.territory_code,
            "territory",
        ),
        (
            "language_code",
            "languages",
            &form.language_code,
            "language",
        ),
        (
            "organizational_level_code",
            "organizational_levels",
            &form.organizational_level_code,
            "organizational level",
        ),
    ];
    for (field, table, code, what) in codes {
        if !code.is_empty() && !setup::code_exists(conn, table, code)? {
            errors.add(field, format!("There is no {what} {code}."));
        }
    }
    let mut company_id = None;
    if form.is_person() && !form.company_no.is_empty() && !errors.has("company_no") {
        match company_id_for(conn, &form.company_no)? {
            Some((id, kind)) if kind == "company" && Some(id) != this_id => company_id = Some(id),
            Some(_) => errors.add(
                "company_no",
                format!("{} is not a company.", form.company_no),
            ),
            None => errors.add(
                "company_no",
                format!("There is no contact {}.", form.company_no),
            ),
        }
    }
    if !errors.is_empty() {
        errors.in_order(&FORM_ORDER);
        return Ok(Err(errors));
    }
    let search_name = if form.search_name.is_empty() {
        search_name_of(&form.name)
    } else {
        form.search_name.clone()
    };
    Ok(Ok(ContactValues {
        kind: form.kind.clone(),
        name: form.name.clone(),
        search_name: search_name.chars().take(SEARCH_NAME_LENGTH).collect(),
        company_id,
        job_title: form.job_title.clone(),
        address: form.address.clone(),
        address_2: form.address_2.clone(),
        city: form.city.clone(),
        post_code: form.post_code.clone(),
        country_code: optional(&form.country_code),
        phone: form.phone.clone(),
        mobile: form.mobile.clone(),
        email: form.email.clone(),
        website: form.website.clone(),
        salesperson_code: optional(&form.salesperson_code),
        territory_code: optional(&form.territory_code),
        language_code: optional(&form.language_code),
        correspondence_type: form.correspondence_type.clone(),
        organizational_level_code: optional(&form.organizational_level_code),
        exclude_from_segment: form.excluded(),
        privacy_blocked: form.blocked(),
    }))
}

pub fn find_by_no(conn: &mut PgConnection, no: &str) -> QueryResult<Option<Contact>> {
    contacts::table
        .filter(contacts::no.eq(no.trim().to_uppercase()))
        .select(Contact::as_select())
        .first(conn)
        .optional()
}

/// A contact's company: its number and name.
pub type CompanyName = (String, String);

/// The name of the company numbered `no` (`None` when `no` is empty or names no company), for
/// a form's Company No. field to show which company it names.
pub fn company_name_of(conn: &mut PgConnection, no: &str) -> QueryResult<Option<String>> {
    if no.trim().is_empty() {
        return Ok(None);
    }
    contacts::table
        .filter(contacts::no.eq(no.trim().to_uppercase()))
        .filter(contacts::type_.eq("company"))
        .select(contacts::name)
        .first(conn)
        .optional()
}

/// A contact, its company's number and name, and (a company's) its first persons.
pub type WithPersons = (Contact, Option<CompanyName>, Vec<Contact>);

/// The contact numbered `no` with its company's number and name, and for a company its first
/// `limit` persons by name, in one statement (the card's first: a statement less for every
/// view of a company's card than finding the contact, then its persons). `None`: no such
/// contact.
pub fn find_with_persons(
    conn: &mut PgConnection,
    no: &str,
    limit: i64,
) -> QueryResult<Option<WithPersons>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Integer)]
        part: i32,
        #[diesel(embed)]
        contact: Contact,
        #[diesel(sql_type = Nullable<Text>)]
        company_no: Option<String>,
        #[diesel(sql_type = Nullable<Text>)]
        company_name: Option<String>,
    }
    // The contact's columns first, in the table's order: read one after the other.
    let rows: Vec<Row> = crate::db::prepared(format!(
        "WITH k AS (SELECT c.id, c.type FROM contacts c WHERE c.no = $1) \
         (SELECT c.*, 0 AS part, co.no::text AS company_no, co.name AS company_name \
          FROM contacts c LEFT JOIN contacts co ON co.id = c.company_id \
          WHERE c.id = (SELECT id FROM k)) \
         UNION ALL \
         (SELECT p.*, 1, NULL, NULL FROM contacts p \
          WHERE p.company_id = (SELECT id FROM k WHERE type = 'company') \
          ORDER BY p.name, p.id LIMIT {limit}) \
         ORDER BY part, name, id"
    ))
    .bind::<Text, _>(no.trim().to_uppercase())
    .load(conn)?;
    let mut rows = rows.into_iter();
    let Some(found) = rows.next().filter(|r| r.part == 0) else {
        return Ok(None);
    };
    let company = found.company_no.zip(found.company_name);
    Ok(Some((
        found.contact,
        company,
        rows.map(|r| r.contact).collect(),
    )))
}

/// Whether contact `id` is there (not deleted since it was read).
pub fn exists(conn: &mut PgConnection, id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(contacts::table.find(id))).get_result(conn)
}

pub fn find(conn: &mut PgConnection, id: i64) -> QueryResult<Contact> {
    contacts::table
        .find(id)
        .select(Contact::as_select())
        .first(conn)
}

/// Inserts a contact with the next free number of the Contacts series (numbers that imports
/// or a changed series already gave to contacts are skipped).
/// A new contact; `form_key`: its form's one-time key ([`crate::db::once`]).
pub fn insert(
    conn: &mut PgConnection,
    values: &ContactValues,
    form_key: Option<&str>,
) -> QueryResult<Contact> {
    let no = setup::number_series::next(conn, setup::number_series::CONTACTS)?;
    diesel::insert_into(contacts::table)
        .values((
            contacts::no.eq(&no),
            values,
            contacts::form_key.eq(form_key),
        ))
        .returning(Contact::as_returning())
        .get_result(conn)
}

/// Saves changes if nobody else saved since `version` was read; `None` when someone did.
pub fn update(
    conn: &mut PgConnection,
    id: i64,
    version: i32,
    values: &ContactValues,
) -> QueryResult<Option<Contact>> {
    diesel::update(
        contacts::table
            .filter(contacts::id.eq(id))
            .filter(contacts::version.eq(version)),
    )
    .set((
        values,
        contacts::version.eq(contacts::version + 1),
        contacts::updated_at.eq(diesel::dsl::now),
    ))
    .returning(Contact::as_returning())
    .get_result(conn)
    .optional()
}

/// The persons of a company, by name (at most `limit`), and how many there are.
pub fn persons_of(
    conn: &mut PgConnection,
    company_id: i64,
    limit: i64,
) -> QueryResult<(Vec<Contact>, i64)> {
    let rows: Vec<Contact> = if limit > 0 {
        contacts::table
            .filter(contacts::company_id.eq(company_id))
            .order((contacts::name.asc(), contacts::id.asc()))
            .limit(limit)
            .select(Contact::as_select())
            .load(conn)?
    } else {
        Vec::new()
    };
    let total = persons_total(conn, company_id, &rows, limit)?;
    Ok((rows, total))
}

/// How many persons company `company_id` has, `shown` being its first `limit` persons: as many
/// as shown when fewer than asked for (no need to count), else counted.
pub fn persons_total(
    conn: &mut PgConnection,
    company_id: i64,
    shown: &[Contact],
    limit: i64,
) -> QueryResult<i64> {
    if (shown.len() as i64) < limit {
        return Ok(shown.len() as i64);
    }
    contacts::table
        .filter(contacts::company_id.eq(company_id))
        .count()
        .get_result(conn)
}

/// The number of a person's company, for the form; `None` for a company.
pub fn company_no_of(conn: &mut PgConnection, contact: &Contact) -> QueryResult<Option<String>> {
    match contact.company_id {
        Some(id) => find(conn, id).map(|c| Some(c.no)),
        None => Ok(None),
    }
}

/// The most characters a Search Name holds.
pub const SEARCH_NAME_LENGTH: usize = 100;

/// The Search Name a name gives: the name in capitals, cut to [`SEARCH_NAME_LENGTH`] (as an
/// import's `left(upper(name), 100)`). "ß" in capitals is "SS": a name of 100 characters may
/// give more.
pub fn search_name_of(name: &str) -> String {
    name.to_uppercase()
        .chars()
        .take(SEARCH_NAME_LENGTH)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> ContactForm {
        ContactForm {
            kind: "person".into(),
            name: "Ada Lovelace".into(),
            ..Default::default()
        }
    }

    #[test]
    fn emails() {
        assert!(valid_email("ada@example.com"));
        assert!(valid_email("a.b+c@mail.example.co.uk"));
        assert!(valid_email("søren@ærø-handel.dk"));
        for bad in [
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "a@b@c.com",
            "ada@.com",
            "<a>@x.com",
            "ase@nordlys..dk",
            "a..b@x.dk",
            ".a@x.dk",
            "a;b@x.dk",
            "a\"b@x.dk",
            "ase@x.dk?subject=hej",
            "ase@x_y.dk",
        ] {
            assert!(!valid_email(bad), "{bad}");
        }
    }

    #[test]
    fn normalising_trims_and_upper_cases_codes() {
        let f = ContactForm {
            kind: " Person ".into(),
            name: "  Ada ".into(),
            country_code: " dk".into(),
            company_no: "ct000001 ".into(),
            ..Default::default()
        }
        .normalised();
        assert_eq!(
            (
                f.kind.as_str(),
                f.name.as_str(),
                f.country_code.as_str(),
                f.company_no.as_str()
            ),
            ("person", "Ada", "DK", "CT000001")
        );
    }

    #[test]
    fn shape_rules() {
        let mut e = FormErrors::new();
        form().check_shape(&mut e);
        assert!(e.is_empty());

        let mut f = form();
        f.kind = "robot".into();
        f.name = String::new();
        f.email = "nope".into();
        f.city = "x".repeat(51);
        f.correspondence_type = "fax".into();
        let mut e = FormErrors::new();
        f.check_shape(&mut e);
        for field in ["type", "name", "email", "city", "correspondence_type"] {
            assert!(e.has(field), "{field}");
        }

        let mut f = form();
        f.correspondence_type = "email".into();
        let mut e = FormErrors::new();
        f.check_shape(&mut e);
        assert!(e.has("email"));

        let mut f = form();
        f.kind = "company".into();
        f.company_no = "CT1".into();
        let mut e = FormErrors::new();
        f.check_shape(&mut e);
        assert!(e.has("company_no"));
    }
}
