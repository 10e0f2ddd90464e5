//! A person under a company takes the company's address, phone, salesperson, territory and
//! language (as Business Central does when a person's Company No. is filled in), and the
//! persons that still have the company's address, phone or codes follow them when they change.

use crate::contacts::model::{self, Contact, ContactForm, ContactValues};
use crate::setup;
use diesel::prelude::*;

/// The values a company gives its new persons, group by group in [`FOLLOWED`]'s order, each
/// as one short text ([`crate::setup::support::shown`]).
fn given(company: &Contact) -> [String; 5] {
    digests(
        (
            &company.address,
            &company.address_2,
            &company.city,
            &company.post_code,
            &company.country_code,
        ),
        &company.phone,
        [
            &company.salesperson_code,
            &company.territory_code,
            &company.language_code,
        ],
    )
}

/// [`given`] of a person's values, to compare with what its company gave.
fn typed(values: &ContactValues) -> [String; 5] {
    digests(
        (
            &values.address,
            &values.address_2,
            &values.city,
            &values.post_code,
            &values.country_code,
        ),
        &values.phone,
        [
            &values.salesperson_code,
            &values.territory_code,
            &values.language_code,
        ],
    )
}

type Address<'a> = (
    &'a String,
    &'a String,
    &'a String,
    &'a String,
    &'a Option<String>,
);

fn digests(address: Address<'_>, phone: &str, codes: [&Option<String>; 3]) -> [String; 5] {
    let shown = |v: &dyn std::fmt::Debug| crate::setup::support::shown(&format!("{v:?}"));
    [
        shown(&address),
        shown(&phone),
        shown(codes[0]),
        shown(codes[1]),
        shown(codes[2]),
    ]
}

/// What a new person's form took from `company` (its No. and [`given`]), sent back with the
/// form: the values the form showed are then the user's, a field they emptied included.
pub fn taken(company: &Contact) -> String {
    format!("{}|{}", company.no, given(company).join("|"))
}

/// The company's values in a new person's form (`/contacts/new?company=…`), so that the user
/// sees what the person will take and can change it.
pub fn prefill(form: &mut ContactForm, company: &Contact) {
    form.took_from = taken(company);
    form.address = company.address.clone();
    form.address_2 = company.address_2.clone();
    form.city = company.city.clone();
    form.post_code = company.post_code.clone();
    form.country_code = company.country_code.clone().unwrap_or_default();
    form.phone = company.phone.clone();
    form.salesperson_code = company.salesperson_code.clone().unwrap_or_default();
    form.territory_code = company.territory_code.clone().unwrap_or_default();
    form.language_code = company.language_code.clone().unwrap_or_default();
}

/// What a new person's form left empty, from its company: the address as a whole (when no
/// part of it was typed), the phone, salesperson, territory and language.
pub fn fill(values: &mut ContactValues, company: &Contact) {
    let no_address = values.address.is_empty()
        && values.address_2.is_empty()
        && values.city.is_empty()
        && values.post_code.is_empty()
        && values.country_code.is_none();
    if no_address {
        values.address = company.address.clone();
        values.address_2 = company.address_2.clone();
        values.city = company.city.clone();
        values.post_code = company.post_code.clone();
        values.country_code = company.country_code.clone();
    }
    if values.phone.is_empty() {
        values.phone = company.phone.clone();
    }
    if values.salesperson_code.is_none() {
        values.salesperson_code = company.salesperson_code.clone();
    }
    if values.territory_code.is_none() {
        values.territory_code = company.territory_code.clone();
    }
    if values.language_code.is_none() {
        values.language_code = company.language_code.clone();
    }
}

/// The company as its persons take from it: without its salesperson when that one is
/// blocked, as a blocked salesperson is not given to a new record (a person the user gave it
/// would be refused). The company itself keeps it.
pub fn giving(conn: &mut PgConnection, company: &Contact) -> QueryResult<Contact> {
    let mut company = company.clone();
    company.salesperson_code = setup::salespeople::usable(conn, company.salesperson_code)?;
    Ok(company)
}

/// [`fill`] for a new person with a company, read from the database, unless its form was
/// filled in from that company (`took_from`, [`taken`]): then what the form sends is what the
/// user left, an emptied phone included. Where the company gives other values now than the
/// form showed (a colleague changed its phone meanwhile), each group of them the user left as
/// it was shown takes the company's value now, and one the user changed stays, as a person
/// moved to a company takes its values ([`moved`]): `Ok` says what was taken so, for the
/// message. `Err((company No., what it gives now))` from a form that does not say what it
/// showed group by group: nothing is filled, and the form says so.
pub fn from_company(
    conn: &mut PgConnection,
    values: &mut ContactValues,
    took_from: &str,
) -> QueryResult<Result<Took, (String, String)>> {
    match values.company_id {
        Some(id) if values.kind == "person" => {
            let company = model::find(conn, id)?;
            let company = giving(conn, &company)?;
            match took_from.split_once('|') {
                Some((no, shown)) if no == company.no => {
                    return Ok(match take_left_as_shown(values, &company, shown) {
                        Some(took) => Ok(Took::Changed(took)),
                        None => Err((company.no.clone(), taken(&company))),
                    });
                }
                // Filled in from another company, whose Add person was clicked before Company
                // No. was changed: what the form still has as that company gave it is the new
                // company's, as for a person moved on its edit form. It kept the first
                // company's address and codes (nothing was empty to fill).
                Some((no, shown)) if !no.is_empty() => {
                    // What the form showed, group by group: a group the user left as it was
                    // shown takes the new company's (the first company may have changed
                    // since: compared with it as it is now, its old phone stayed).
                    if let Some(took) = take_left_as_shown(values, &company, shown) {
                        return Ok(Ok(Took::Instead {
                            shown: no.to_string(),
                            took,
                        }));
                    }
                    match model::find_by_no(conn, no)?.filter(|c| c.is_company()) {
                        Some(first) => {
                            let first = giving(conn, &first)?;
                            let took = moved(values, &first, Some(&first), &company);
                            return Ok(Ok(Took::Instead {
                                shown: first.no,
                                took,
                            }));
                        }
                        None => fill(values, &company),
                    }
                }
                _ => fill(values, &company),
            }
            Ok(Ok(Took::Changed(Vec::new())))
        }
        _ => Ok(Ok(Took::Changed(Vec::new()))),
    }
}

/// What a new person took from its company beyond what its form showed, for the message.
pub enum Took {
    /// The company changed these since the form showed them.
    Changed(Vec<&'static str>),
    /// The form showed company `shown`'s values, and the person is another's: these it took
    /// from that one.
    Instead {
        shown: String,
        took: Vec<&'static str>,
    },
}

impl Took {
    /// What the message adds to "Contact … created.", if anything.
    pub fn said(&self, listed: impl Fn(&[&str]) -> String) -> Option<String> {
        let them = |n: usize| if n == 1 { "it" } else { "them" };
        match self {
            Took::Changed(took) if !took.is_empty() => Some(format!(
                "Its company changed its {} after the form was opened: the person took {} as \
                 the company has {} now.",
                listed(took),
                them(took.len()),
                them(took.len()),
            )),
            Took::Instead { shown, took } if !took.is_empty() => Some(format!(
                "It took its company's {} in place of {shown}'s, which the form showed.",
                listed(took)
            )),
            _ => None,
        }
    }
}

/// Each group of `company`'s values that differs from what the form showed (`shown`, [`given`]
/// group by group) where the form still has it as shown: taken from `company`. What was taken;
/// `None` when `shown` is not such a list (a form of an earlier version).
fn take_left_as_shown(
    values: &mut ContactValues,
    company: &Contact,
    shown: &str,
) -> Option<Vec<&'static str>> {
    let shown: Vec<&str> = shown.split('|').collect();
    if shown.len() != FOLLOWED.len() {
        return None;
    }
    let typed = typed(values);
    let now = given(company);
    let mut took = Vec::new();
    for (i, (name, _)) in FOLLOWED.iter().enumerate() {
        if typed[i] == shown[i] && now[i] != shown[i] {
            take(values, company, name);
            took.push(*name);
        }
    }
    Some(took)
}

/// The group `name` of [`FOLLOWED`] taken from `company`.
fn take(values: &mut ContactValues, company: &Contact, name: &str) {
    match name {
        "address" => {
            values.address = company.address.clone();
            values.address_2 = company.address_2.clone();
            values.city = company.city.clone();
            values.post_code = company.post_code.clone();
            values.country_code = company.country_code.clone();
        }
        "phone" => values.phone = company.phone.clone(),
        "salesperson" => values.salesperson_code = company.salesperson_code.clone(),
        "territory" => values.territory_code = company.territory_code.clone(),
        _ => values.language_code = company.language_code.clone(),
    }
}

/// [`moved`] with the new company read from the database: a blocked salesperson of the new
/// company is not taken (the person keeps the one it has).
pub fn moved_to(
    conn: &mut PgConnection,
    values: &mut ContactValues,
    stored: &Contact,
    new_id: i64,
) -> QueryResult<Vec<&'static str>> {
    let mut new = model::find(conn, new_id)?;
    let old = match stored.company_id {
        Some(id) => Some(model::find(conn, id)?),
        None => None,
    };
    if new.salesperson_code.is_some() && giving(conn, &new)?.salesperson_code.is_none() {
        // As if the new company had the person's own: nothing to take.
        new.salesperson_code = stored.salesperson_code.clone();
    }
    Ok(moved(values, stored, old.as_ref(), &new))
}

/// A person moved to another company (its Company No. changed on the edit form) takes the new
/// company's values, as Business Central does when Company No. is changed: each of the
/// address (as a whole), the phone, salesperson, territory and language that the form left as
/// stored, and that was the old company's or empty — one the person has of its own, or that
/// the user changed in the same save, stays. Before, a moved person kept the old company's
/// address, and the new company's later moves passed it by (they move only the persons at
/// its address). Returns what it took, for the message.
pub fn moved(
    values: &mut ContactValues,
    stored: &Contact,
    old: Option<&Contact>,
    new: &Contact,
) -> Vec<&'static str> {
    let mut took = Vec::new();
    let address = |c: &Contact| {
        (
            c.address.clone(),
            c.address_2.clone(),
            c.city.clone(),
            c.post_code.clone(),
            c.country_code.clone(),
        )
    };
    let typed = (
        values.address.clone(),
        values.address_2.clone(),
        values.city.clone(),
        values.post_code.clone(),
        values.country_code.clone(),
    );
    let was = address(stored);
    let empty = (
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        None,
    );
    if typed == was
        && (was == empty || old.is_some_and(|o| address(o) == was))
        && address(new) != was
    {
        (
            values.address,
            values.address_2,
            values.city,
            values.post_code,
            values.country_code,
        ) = address(new);
        took.push("address");
    }
    fn follows<T: PartialEq + Clone + Default>(
        value: &mut T,
        stored: &T,
        old: Option<&T>,
        new: &T,
    ) -> bool {
        let untouched = value == stored;
        let inherited = *stored == T::default() || old == Some(stored);
        if untouched && inherited && stored != new {
            *value = new.clone();
            return true;
        }
        false
    }
    if follows(
        &mut values.phone,
        &stored.phone,
        old.map(|o| &o.phone),
        &new.phone,
    ) {
        took.push("phone");
    }
    for (name, value, stored, old, new) in [
        (
            "salesperson",
            &mut values.salesperson_code,
            &stored.salesperson_code,
            old.map(|o| &o.salesperson_code),
            &new.salesperson_code,
        ),
        (
            "territory",
            &mut values.territory_code,
            &stored.territory_code,
            old.map(|o| &o.territory_code),
            &new.territory_code,
        ),
        (
            "language",
            &mut values.language_code,
            &stored.language_code,
            old.map(|o| &o.language_code),
            &new.language_code,
        ),
    ] {
        if follows(value, stored, old, new) {
            took.push(name);
        }
    }
    took
}

/// What of a company its persons follow, in groups taken whole (the address's five columns
/// are one): the name said in messages and the columns.
pub const FOLLOWED: [(&str, &[&str]); 5] = [
    (
        "address",
        &["address", "address_2", "city", "post_code", "country_code"],
    ),
    ("phone", &["phone"]),
    ("salesperson", &["salesperson_code"]),
    ("territory", &["territory_code"]),
    ("language", &["language_code"]),
];

/// A contact's values in the order of [`FOLLOWED`]'s columns.
fn followed_values(c: &Contact) -> [Vec<Option<String>>; 5] {
    let text = |s: &String| Some(s.clone());
    [
        vec![
            text(&c.address),
            text(&c.address_2),
            text(&c.city),
            text(&c.post_code),
            c.country_code.clone(),
        ],
        vec![text(&c.phone)],
        vec![c.salesperson_code.clone()],
        vec![c.territory_code.clone()],
        vec![c.language_code.clone()],
    ]
}

/// What of [`FOLLOWED`] a company's save changed (its names and indexes).
pub fn changed(before: &Contact, after: &Contact) -> Vec<(usize, &'static str)> {
    let (old, new) = (followed_values(before), followed_values(after));
    FOLLOWED
        .iter()
        .enumerate()
        .filter(|(i, _)| old[*i] != new[*i])
        .map(|(i, (name, _))| (i, *name))
        .collect()
}

/// The company's persons follow its change of address, phone, salesperson, territory or
/// language, each where the person still had the company's old one (Business Central passes
/// these on to persons with the company's old value, in the company's modify): one UPDATE,
/// in the company's save transaction. Returns how many persons changed and what the company
/// changed of what they follow.
pub fn persons_follow(
    conn: &mut PgConnection,
    before: &Contact,
    after: &Contact,
) -> QueryResult<(usize, Vec<&'static str>)> {
    let changed = changed(before, after);
    if !before.is_company() || changed.is_empty() {
        return Ok((0, Vec::new()));
    }
    let (old, new) = (followed_values(before), followed_values(after));
    let mut binds: Vec<Option<String>> = Vec::new();
    let mut param = |v: &Option<String>| {
        binds.push(v.clone());
        format!("${}", binds.len() + 1)
    };
    let mut sets = Vec::new();
    let mut conditions = Vec::new();
    for &(i, _) in &changed {
        let columns = FOLLOWED[i].1;
        let stored = columns.iter().map(|c| format!("p.{c}")).collect::<Vec<_>>();
        let was = old[i].iter().map(&mut param).collect::<Vec<_>>();
        let condition = format!(
            "ROW({}) IS NOT DISTINCT FROM ROW({})",
            stored.join(", "),
            was.iter()
                .map(|p| format!("{p}::text"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        for (c, v) in columns.iter().zip(&new[i]) {
            sets.push(format!(
                "{c} = CASE WHEN {condition} THEN {}::text ELSE p.{c} END",
                param(v)
            ));
        }
        conditions.push(condition);
    }
    let sql = format!(
        "UPDATE contacts p SET {}, version = p.version + 1, updated_at = now() \
         WHERE p.company_id = $1 AND p.type = 'person' AND ({})",
        sets.join(", "),
        conditions.join(" OR ")
    );
    let mut query = diesel::sql_query(sql)
        .into_boxed()
        .bind::<diesel::sql_types::BigInt, _>(after.id);
    for b in binds {
        query = query.bind::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(b);
    }
    let n = query.execute(conn)?;
    Ok((n, changed.into_iter().map(|(_, name)| name).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> ContactValues {
        ContactValues {
            kind: "person".into(),
            name: "Åse Ørsted".into(),
            search_name: String::new(),
            company_id: Some(1),
            job_title: String::new(),
            address: String::new(),
            address_2: String::new(),
            city: String::new(),
            post_code: String::new(),
            country_code: None,
            phone: String::new(),
            mobile: String::new(),
            email: String::new(),
            website: String::new(),
            salesperson_code: None,
            territory_code: None,
            language_code: None,
            correspondence_type: String::new(),
            organizational_level_code: None,
            exclude_from_segment: false,
            privacy_blocked: false,
        }
    }

    fn company() -> Contact {
        Contact {
            id: 1,
            no: "CT1".into(),
            kind: "company".into(),
            name: "Nordlys A/S".into(),
            search_name: String::new(),
            company_id: None,
            job_title: String::new(),
            address: "Havnegade 1".into(),
            address_2: "2. sal".into(),
            city: "Århus".into(),
            post_code: "8000".into(),
            country_code: Some("DK".into()),
            phone: "+45 86 12 34 56".into(),
            mobile: String::new(),
            email: "info@nordlys.dk".into(),
            website: String::new(),
            salesperson_code: Some("JO".into()),
            territory_code: Some("NORTH".into()),
            language_code: Some("DAN".into()),
            correspondence_type: String::new(),
            organizational_level_code: None,
            exclude_from_segment: false,
            privacy_blocked: false,
            version: 1,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    /// A person of `company()` as stored, with its values.
    fn person_of(company: &Contact) -> (Contact, ContactValues) {
        let mut p = company.clone();
        p.id = 9;
        p.kind = "person".into();
        p.company_id = Some(company.id);
        let mut v = values();
        fill(&mut v, company);
        (p, v)
    }

    fn other_company() -> Contact {
        let mut c = company();
        c.id = 2;
        c.address = "Strøget 5".into();
        c.address_2 = String::new();
        c.city = "København".into();
        c.post_code = "1100".into();
        c.phone = "+45 33 00 00 00".into();
        c.salesperson_code = Some("PL".into());
        c.territory_code = None;
        c.language_code = Some("DAN".into());
        c
    }

    #[test]
    fn a_person_moved_to_another_company_takes_what_it_had_from_the_old_one() {
        let old = company();
        let new = other_company();
        let (stored, mut v) = person_of(&old);
        v.company_id = Some(new.id);
        let took = moved(&mut v, &stored, Some(&old), &new);
        assert_eq!(took, ["address", "phone", "salesperson", "territory"]);
        assert_eq!(
            (v.address.as_str(), v.city.as_str()),
            ("Strøget 5", "København")
        );
        assert_eq!(v.address_2, "");
        assert_eq!(v.phone, "+45 33 00 00 00");
        assert_eq!(v.salesperson_code.as_deref(), Some("PL"));
        assert_eq!(v.territory_code, None, "the new company has none");
        assert_eq!(v.language_code.as_deref(), Some("DAN"));
    }

    #[test]
    fn a_moved_persons_own_values_and_what_the_user_typed_stay() {
        let old = company();
        let new = other_company();
        let (mut stored, _) = person_of(&old);
        // Its own address and salesperson, not the old company's.
        stored.city = "Odense".into();
        stored.salesperson_code = Some("AB".into());
        let mut v = values();
        fill(&mut v, &stored);
        v.city = stored.city.clone();
        v.address = stored.address.clone();
        v.address_2 = stored.address_2.clone();
        v.post_code = stored.post_code.clone();
        v.country_code = stored.country_code.clone();
        v.phone = "+45 99".into(); // typed in the same save
        v.salesperson_code = stored.salesperson_code.clone();
        v.territory_code = stored.territory_code.clone();
        v.language_code = stored.language_code.clone();
        let took = moved(&mut v, &stored, Some(&old), &new);
        assert_eq!(took, ["territory"]);
        assert_eq!(v.city, "Odense");
        assert_eq!(v.phone, "+45 99");
        assert_eq!(v.salesperson_code.as_deref(), Some("AB"));
        // A person without a company before takes only what it has empty.
        let mut lone = stored.clone();
        lone.company_id = None;
        lone.phone = String::new();
        let mut v = values();
        v.city = lone.city.clone();
        v.address = lone.address.clone();
        v.address_2 = lone.address_2.clone();
        v.post_code = lone.post_code.clone();
        v.country_code = lone.country_code.clone();
        v.salesperson_code = lone.salesperson_code.clone();
        v.territory_code = lone.territory_code.clone();
        v.language_code = lone.language_code.clone();
        assert_eq!(moved(&mut v, &lone, None, &new), ["phone"]);
    }

    #[test]
    fn an_empty_person_takes_the_company_values() {
        let mut v = values();
        fill(&mut v, &company());
        assert_eq!(
            (
                v.address.as_str(),
                v.city.as_str(),
                v.country_code.as_deref()
            ),
            ("Havnegade 1", "Århus", Some("DK"))
        );
        assert_eq!(v.phone, "+45 86 12 34 56");
        assert_eq!(v.salesperson_code.as_deref(), Some("JO"));
        assert_eq!(v.territory_code.as_deref(), Some("NORTH"));
        assert_eq!(v.language_code.as_deref(), Some("DAN"));
        assert_eq!(v.email, "", "a person's e-mail is its own");
    }

    #[test]
    fn what_the_user_typed_stays_and_an_address_is_taken_whole_or_not_at_all() {
        let mut v = values();
        v.city = "Odense".into();
        v.phone = "+45 1".into();
        v.salesperson_code = Some("PL".into());
        fill(&mut v, &company());
        assert_eq!((v.address.as_str(), v.city.as_str()), ("", "Odense"));
        assert_eq!(v.country_code, None);
        assert_eq!(v.phone, "+45 1");
        assert_eq!(v.salesperson_code.as_deref(), Some("PL"));
        assert_eq!(v.language_code.as_deref(), Some("DAN"));
    }

    #[test]
    fn what_persons_follow_is_what_changed_of_the_address_phone_and_codes() {
        let before = company();
        let mut after = company();
        after.email = "ny@nordlys.dk".into();
        after.name = "Nordlys Nord A/S".into();
        assert!(changed(&before, &after).is_empty(), "a person's own");
        after.phone = "+45 2".into();
        after.country_code = None;
        after.language_code = None;
        assert_eq!(
            changed(&before, &after),
            [(0, "address"), (1, "phone"), (4, "language")]
        );
    }
}
