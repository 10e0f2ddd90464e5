//! A person under a company takes the company's address, phone, salesperson, territory and
//! language (as Business Central does when a person's Company No. is filled in), and the
//! persons that still share the company's address follow it when it changes.

use crate::contacts::model::{self, Contact, ContactForm, ContactValues};
use crate::db::schema::contacts;
use diesel::prelude::*;

/// The company's values in a new person's form (`/contacts/new?company=…`), so that the user
/// sees what the person will take and can change it.
pub fn prefill(form: &mut ContactForm, company: &Contact) {
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

/// [`fill`] for a new person with a company, read from the database.
pub fn from_company(conn: &mut PgConnection, values: &mut ContactValues) -> QueryResult<()> {
    match values.company_id {
        Some(id) if values.kind == "person" => {
            let company = model::find(conn, id)?;
            fill(values, &company);
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Whether a company's address (address, address 2, city, post code, country) changed.
pub fn address_changed(before: &Contact, after: &Contact) -> bool {
    (
        &before.address,
        &before.address_2,
        &before.city,
        &before.post_code,
        &before.country_code,
    ) != (
        &after.address,
        &after.address_2,
        &after.city,
        &after.post_code,
        &after.country_code,
    )
}

/// The company's persons whose address is still the company's old one take its new one: one
/// UPDATE, in the company's save transaction. Returns how many moved.
pub fn persons_follow(
    conn: &mut PgConnection,
    before: &Contact,
    after: &Contact,
) -> QueryResult<usize> {
    if !before.is_company() || !address_changed(before, after) {
        return Ok(0);
    }
    use contacts as c;
    diesel::update(
        c::table
            .filter(c::company_id.eq(after.id))
            .filter(c::type_.eq("person"))
            .filter(c::address.eq(&before.address))
            .filter(c::address_2.eq(&before.address_2))
            .filter(c::city.eq(&before.city))
            .filter(c::post_code.eq(&before.post_code))
            .filter(c::country_code.is_not_distinct_from(&before.country_code)),
    )
    .set((
        c::address.eq(&after.address),
        c::address_2.eq(&after.address_2),
        c::city.eq(&after.city),
        c::post_code.eq(&after.post_code),
        c::country_code.eq(&after.country_code),
        c::version.eq(c::version + 1),
        c::updated_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
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
    fn only_an_address_change_moves_persons() {
        let before = company();
        let mut after = company();
        after.phone = "+45 2".into();
        assert!(!address_changed(&before, &after));
        after.country_code = None;
        assert!(address_changed(&before, &after));
    }
}
