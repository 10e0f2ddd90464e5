//! A segment line's own interaction fields (overrides of the header: empty means "as on the
//! header"), their checks, and the contact a line is added for.

use crate::db::schema::segment_lines;
use crate::segments::domain::header;
use crate::segments::domain::header::Segment;
use crate::setup;
use crate::web::FormErrors;
use bigdecimal::BigDecimal;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use serde::Deserialize;

/// A line's overrides: empty means "as on the header".
#[derive(Clone, Debug, Default, Deserialize)]
pub struct LineForm {
    #[serde(default)]
    pub salesperson_code: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub interaction_template_code: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub correspondence_type: String,
    #[serde(default)]
    pub unit_cost: String,
    #[serde(default)]
    pub unit_duration_min: String,
    #[serde(default)]
    pub evaluation: String,
    /// `yes`, `no`, or empty: as on the header.
    #[serde(default)]
    pub campaign_target: String,
    #[serde(default)]
    pub campaign_response: String,
    /// The line's values as the form showed them ([`LineData::fingerprint`]): a save over
    /// values someone else changed since is refused, not written over theirs.
    #[serde(default)]
    pub shown: String,
    /// The form's one-time key ([`crate::db::once`]): the same form sent twice is told from
    /// a colleague's change of the line.
    #[serde(default)]
    pub once: String,
}

#[derive(AsChangeset)]
#[diesel(table_name = segment_lines, treat_none_as_null = true)]
pub struct LineValues {
    salesperson_code: Option<String>,
    date: Option<chrono::NaiveDate>,
    interaction_template_code: Option<String>,
    subject: Option<String>,
    correspondence_type: Option<String>,
    unit_cost: Option<BigDecimal>,
    unit_duration_min: Option<i32>,
    evaluation: Option<String>,
    campaign_target: Option<bool>,
    campaign_response: Option<bool>,
}

impl LineValues {
    /// A line's own template changed in this save (`typed`, over the line as its form showed
    /// it, `data`): as Business Central copies a template's defaults into the line, the
    /// fields left as the form showed them give way to the new template's (the line's own
    /// value cleared, its template's takes effect); a field typed anew in the same save stays.
    /// The labels of those kept, or `None` when the template did not change.
    pub fn take_template(
        &mut self,
        typed: &LineForm,
        data: &LineData,
    ) -> Option<Vec<&'static str>> {
        let before = data
            .interaction_template_code
            .as_deref()
            .map(str::to_uppercase);
        if self.interaction_template_code == before {
            return None;
        }
        let shown = LineForm::of(data);
        let mut kept = Vec::new();
        let mut take = |label: &'static str, typed: &str, shown: &str, clear: &mut dyn FnMut()| {
            if same_value(label, typed, shown) {
                clear();
            } else if !typed.trim().is_empty() {
                kept.push(label);
            }
        };
        take("Subject", &typed.subject, &shown.subject, &mut || {
            self.subject = None
        });
        take(
            "Correspondence Type",
            &typed.correspondence_type,
            &shown.correspondence_type,
            &mut || self.correspondence_type = None,
        );
        take("Unit Cost", &typed.unit_cost, &shown.unit_cost, &mut || {
            self.unit_cost = None
        });
        take(
            "Unit Duration (min)",
            &typed.unit_duration_min,
            &shown.unit_duration_min,
            &mut || self.unit_duration_min = None,
        );
        Some(kept)
    }
}

pub const EVALUATIONS: [(&str, &str); 5] = [
    ("very_positive", "Very Positive"),
    ("positive", "Positive"),
    ("neutral", "Neutral"),
    ("negative", "Negative"),
    ("very_negative", "Very Negative"),
];

fn some(s: &str) -> Option<String> {
    (!s.trim().is_empty()).then(|| s.trim().to_string())
}

/// Whether two values of a line's or a header's field (by its label) are the same: a date or a
/// cost or minutes by its value, however written ("30-11-2026" and "2026-11-30", "12,5" and
/// "12,50", "1.000" and "1000"), a text (Description, Subject) as written, any other (a code)
/// in any case.
pub(crate) fn same_value(label: &str, a: &str, b: &str) -> bool {
    let text = |t: &str| t.trim().to_uppercase();
    let key = |t: &str| match label {
        "Description" | "Subject" => t.trim().to_string(),
        "Date" => crate::web::forms::date(t).map_or_else(|| text(t), |d| d.to_string()),
        "Unit Cost" => {
            crate::setup::support::parse_amount(t).map_or_else(|| text(t), |v| v.to_string())
        }
        "Unit Duration (min)" => {
            crate::web::forms::whole_number(t).map_or_else(|| text(t), |v| v.to_string())
        }
        _ => text(t),
    };
    key(a) == key(b)
}

impl LineForm {
    /// The form as it opens on a line.
    pub fn of(data: &LineData) -> LineForm {
        let flag = |v: Option<bool>| match v {
            Some(true) => "yes".to_string(),
            Some(false) => "no".to_string(),
            None => String::new(),
        };
        LineForm {
            salesperson_code: data.salesperson_code.clone().unwrap_or_default(),
            date: data.date.clone().unwrap_or_default(),
            interaction_template_code: data.interaction_template_code.clone().unwrap_or_default(),
            subject: data.subject.clone().unwrap_or_default(),
            correspondence_type: data.correspondence_type.clone().unwrap_or_default(),
            unit_cost: data
                .unit_cost
                .as_ref()
                .map(crate::segments::domain::lines::money)
                .unwrap_or_default(),
            unit_duration_min: data.unit_duration_min.clone().unwrap_or_default(),
            evaluation: data.evaluation.clone().unwrap_or_default(),
            campaign_target: flag(data.campaign_target),
            campaign_response: flag(data.campaign_response),
            shown: data.fingerprint(),
            once: crate::db::once::new_key(),
        }
    }

    /// A line's own template or salesperson that an administrator renamed after this form was
    /// opened (the rename reaches the line without a word, and the form still sends the old
    /// code of a field its user never touched): the form takes the code now, and the line as
    /// the form was opened on it is returned, for its [`LineForm::shown`] digest to be
    /// compared with. `None` when nothing was renamed. As the header's form does
    /// ([`crate::segments::domain::header_form::HeaderForm::follow_renames`]).
    pub fn follow_renames(
        &mut self,
        conn: &mut PgConnection,
        data: &LineData,
    ) -> QueryResult<Option<LineData>> {
        let mut seen = data.clone();
        let mut followed = false;
        let fields: [(&mut String, &mut Option<String>, &str); 2] = [
            (
                &mut self.interaction_template_code,
                &mut seen.interaction_template_code,
                "interaction_templates",
            ),
            (
                &mut self.salesperson_code,
                &mut seen.salesperson_code,
                "salespeople",
            ),
        ];
        for (typed, was, table) in fields {
            let old = typed.trim().to_uppercase();
            let now = was.clone();
            if crate::setup::support::follow_rename(conn, table, typed, now.as_deref())? {
                *was = Some(old);
                followed = true;
            }
        }
        Ok(followed.then_some(seen))
    }

    /// What the same form sent twice would have made of the line: a digest of what it sends
    /// (but its `shown` and key) and of the line as its save left it (`made`), kept with its
    /// key ([`crate::db::once::mark_sent`]). A save that changed the template cleared the line's
    /// own values the form still holds, so the form sent again differs from the line it made.
    pub fn sent_digest(&self, made: &LineData) -> String {
        let sent = crate::db::once::digest(&LineForm {
            shown: String::new(),
            once: String::new(),
            ..self.clone()
        });
        format!("{sent}:{}", made.fingerprint())
    }

    /// The fields whose values differ between `theirs` (the line as saved meanwhile) and this
    /// form: label, theirs, yours (empty: as on the header).
    pub fn differences(&self, theirs: &LineForm) -> Vec<(&'static str, String, String)> {
        let as_shown = |v: &str| {
            if v.trim().is_empty() {
                "(as on the header)".to_string()
            } else {
                v.trim().to_string()
            }
        };
        [
            (
                "Salesperson",
                &theirs.salesperson_code,
                &self.salesperson_code,
            ),
            ("Date", &theirs.date, &self.date),
            (
                "Interaction Template",
                &theirs.interaction_template_code,
                &self.interaction_template_code,
            ),
            ("Subject", &theirs.subject, &self.subject),
            (
                "Correspondence Type",
                &theirs.correspondence_type,
                &self.correspondence_type,
            ),
            ("Unit Cost", &theirs.unit_cost, &self.unit_cost),
            (
                "Unit Duration (min)",
                &theirs.unit_duration_min,
                &self.unit_duration_min,
            ),
            ("Evaluation", &theirs.evaluation, &self.evaluation),
            (
                "Campaign Target",
                &theirs.campaign_target,
                &self.campaign_target,
            ),
            (
                "Campaign Response",
                &theirs.campaign_response,
                &self.campaign_response,
            ),
        ]
        .into_iter()
        .filter(|(label, a, b)| !same_value(label, a, b))
        .map(|(label, a, b)| match label {
            "Date" => (
                label,
                as_shown(&crate::web::forms::date_as_shown(a)),
                as_shown(&crate::web::forms::date_as_shown(b)),
            ),
            _ => (label, as_shown(a), as_shown(b)),
        })
        .collect()
    }

    /// Checks every field at once. `campaign`: whether the segment has a campaign, which the
    /// Campaign Target and Response flags are about (a flag the line holds stays, though the
    /// header names no campaign now: the form sends it back unshown). `saved`: the line as
    /// saved, whose own salesperson may stay though blocked since
    /// ([`setup::salespeople::check_chosen`]).
    pub fn validate(
        &self,
        conn: &mut PgConnection,
        campaign: bool,
        saved: &LineData,
    ) -> QueryResult<Result<LineValues, FormErrors>> {
        let kept_salesperson = saved.salesperson_code.as_deref();
        let mut errors = FormErrors::new();
        let mut flag = |field: &'static str, label: &str, typed: &str, kept: Option<bool>| {
            match typed.trim() {
                "" => None,
                "no" => Some(false),
                "yes" if campaign || kept == Some(true) => Some(true),
                // Only a page shown while the header had a campaign offers the choice: the
                // campaign was taken off the header since. Said without a field (the page
                // shown again has none for it, and sends the line's own value back).
                "yes" => {
                    errors.add(
                        "shown",
                        format!(
                            "The segment's header has no campaign any more (it was changed \
                             after this page was shown), so the line cannot be a {label}. \
                             Your other values are kept below: send the form again to save \
                             them."
                        ),
                    );
                    None
                }
                _ => {
                    errors.add(field, format!("Choose whether the line is a {label}."));
                    None
                }
            }
        };
        let campaign_target = flag(
            "campaign_target",
            "Campaign Target",
            &self.campaign_target,
            saved.campaign_target,
        );
        let campaign_response = flag(
            "campaign_response",
            "Campaign Response",
            &self.campaign_response,
            saved.campaign_response,
        );
        let salesperson = some(&self.salesperson_code).map(|s| s.to_uppercase());
        setup::salespeople::check_chosen(
            conn,
            &mut errors,
            "salesperson_code",
            salesperson.as_deref().unwrap_or_default(),
            kept_salesperson,
        )?;
        let template = some(&self.interaction_template_code).map(|s| s.to_uppercase());
        if let Some(code) = &template {
            if header::template(conn, code)?.is_none() {
                errors.add(
                    "interaction_template_code",
                    format!("There is no interaction template {code}."),
                );
            }
        }
        let date = match some(&self.date) {
            None => None,
            Some(d) => match crate::web::forms::date(&d) {
                Some(d) => Some(d),
                None => {
                    errors.add(
                        "date",
                        crate::web::forms::date_refused(&d, ", or leave it empty"),
                    );
                    None
                }
            },
        };
        let cost = match some(&self.unit_cost) {
            None => None,
            Some(c) => match header::parse_amount(&c) {
                Some(v) => Some(v),
                None => {
                    errors.add("unit_cost", crate::web::forms::amount_refused(&c, true));
                    None
                }
            },
        };
        let duration = match some(&self.unit_duration_min) {
            None => None,
            Some(d) => match crate::web::forms::whole_number(&d) {
                Some(v) => Some(v),
                None => {
                    errors.add(
                        "unit_duration_min",
                        crate::web::forms::minutes_refused(&d, ", or leave it empty"),
                    );
                    None
                }
            },
        };
        let correspondence = match self.correspondence_type.trim() {
            "" => None,
            v @ ("none" | "hard_copy" | "email") => Some(if v == "none" {
                String::new()
            } else {
                v.to_string()
            }),
            _ => {
                errors.add("correspondence_type", "Choose a correspondence type.");
                None
            }
        };
        let evaluation = some(&self.evaluation);
        if let Some(e) = &evaluation {
            if !EVALUATIONS.iter().any(|(v, _)| v == e) {
                errors.add("evaluation", "Choose an evaluation.");
            }
        }
        let subject = some(&self.subject);
        if let Some(s) = &subject {
            crate::web::forms::check_text(&mut errors, "subject", s, 100, None);
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        Ok(Ok(LineValues {
            salesperson_code: salesperson,
            date,
            interaction_template_code: template,
            subject,
            correspondence_type: correspondence,
            unit_cost: cost,
            unit_duration_min: duration,
            evaluation,
            campaign_target,
            campaign_response,
        }))
    }
}

#[derive(Clone, QueryableByName)]
pub struct LineData {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub label: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub salesperson_code: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub date: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub interaction_template_code: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub subject: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub correspondence_type: Option<String>,
    /// The line's own unit cost (the form shows it in the locale: "12,50" in da-DK).
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Numeric>)]
    pub unit_cost: Option<BigDecimal>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub unit_duration_min: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub evaluation: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Bool>)]
    pub campaign_target: Option<bool>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Bool>)]
    pub campaign_response: Option<bool>,
}

impl LineData {
    /// A digest of the line's own values, as a form carries it ([`LineForm::shown`]).
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let values = format!(
            "{:?}",
            (
                &self.salesperson_code,
                &self.date,
                &self.interaction_template_code,
                &self.subject,
                &self.correspondence_type,
                self.unit_cost.as_ref().map(ToString::to_string),
                &self.unit_duration_min,
                &self.evaluation,
                self.campaign_target,
                self.campaign_response,
            )
        );
        hex::encode(&Sha256::digest(values.as_bytes())[..16])
    }
}

/// A contact typed by No. or by name (any case), for a manual line.
pub enum ContactMatch {
    One(Box<crate::contacts::model::Contact>),
    None,
    /// Several contacts have that name: the first five, each as "No. (company, city)", and
    /// whether there are more.
    Several(Vec<String>, bool),
}

/// The contact with this No.; else the one contact with this name (every letter folded).
pub fn find_contact(conn: &mut PgConnection, typed: &str) -> QueryResult<ContactMatch> {
    use crate::contacts::model::Contact;
    use crate::db::schema::contacts as ct;
    if let Some(c) = crate::contacts::model::find_by_no(conn, &typed.to_uppercase())? {
        return Ok(ContactMatch::One(Box::new(c)));
    }
    let mut named: Vec<Contact> = ct::table
        .filter(crate::db::text::rapport_fold(ct::name).eq(crate::db::fold(typed)))
        .select(Contact::as_select())
        .order(ct::no)
        .limit(6)
        .load(conn)?;
    Ok(match named.len() {
        0 => ContactMatch::None,
        1 => named
            .pop()
            .map_or(ContactMatch::None, |c| ContactMatch::One(Box::new(c))),
        n => {
            // Each told apart by its company and city, to choose the No. to add.
            let companies: Vec<(i64, String)> = ct::table
                .filter(ct::id.eq_any(named.iter().filter_map(|c| c.company_id)))
                .select((ct::id, ct::name))
                .load(conn)?;
            let labels = named
                .iter()
                .take(5)
                .map(|c| {
                    let company = c
                        .company_id
                        .and_then(|id| companies.iter().find(|(k, _)| *k == id))
                        .map(|(_, name)| name.as_str());
                    let about: Vec<&str> = company
                        .into_iter()
                        .chain((!c.city.is_empty()).then_some(c.city.as_str()))
                        .collect();
                    if about.is_empty() {
                        c.no.clone()
                    } else {
                        format!("{} ({})", c.no, about.join(", "))
                    }
                })
                .collect();
            ContactMatch::Several(labels, n > 5)
        }
    })
}

/// A line of the segment as "No. Name", and whether it was removed.
#[derive(QueryableByName)]
pub struct LineLabel {
    #[diesel(sql_type = Text)]
    pub label: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub removed: bool,
}

pub fn line_label(
    conn: &mut PgConnection,
    segment_id: i64,
    line_id: i64,
) -> QueryResult<Option<LineLabel>> {
    diesel::sql_query(
        "SELECT c.no || ' ' || c.name AS label, l.removed_by_step IS NOT NULL AS removed \
         FROM segment_lines l JOIN contacts c ON c.id = l.contact_id \
         WHERE l.id = $1 AND l.segment_id = $2",
    )
    .bind::<BigInt, _>(line_id)
    .bind::<BigInt, _>(segment_id)
    .get_result(conn)
    .optional()
}

/// Whether the segment has a line (one not removed by a step).
pub fn has_lines(conn: &mut PgConnection, segment_id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        segment_lines::table
            .filter(segment_lines::segment_id.eq(segment_id))
            .filter(segment_lines::removed_by_step.is_null()),
    ))
    .get_result(conn)
}

/// Whether a line of that id is on any segment (a Go Back deletes the lines it takes out).
pub fn line_exists(conn: &mut PgConnection, line_id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(segment_lines::table.find(line_id))).get_result(conn)
}

/// Saves a line's values, and marks its segment changed: a Log page opened before shows
/// other values than the line now has, and must not log them unseen (its token carries the
/// segment's last change).
pub fn save(
    conn: &mut PgConnection,
    segment_id: i64,
    line_id: i64,
    values: &LineValues,
) -> QueryResult<()> {
    diesel::update(segment_lines::table.find(line_id))
        .set(values)
        .execute(conn)?;
    super::ledger::changed(conn, segment_id)
}

/// Clears the lines' own Campaign Target and Campaign Response: they were set for the
/// header's campaign, which changed (or was cleared), and in Business Central go with it.
/// Kept, a line set as a response to one campaign was logged as a response to the next.
/// Returns how many lines had one.
pub fn clear_campaign_flags(conn: &mut PgConnection, segment_id: i64) -> QueryResult<usize> {
    diesel::update(
        segment_lines::table
            .filter(segment_lines::segment_id.eq(segment_id))
            .filter(
                segment_lines::campaign_target
                    .is_not_null()
                    .or(segment_lines::campaign_response.is_not_null()),
            ),
    )
    .set((
        segment_lines::campaign_target.eq(None::<bool>),
        segment_lines::campaign_response.eq(None::<bool>),
    ))
    .execute(conn)
}

pub fn load_line(
    conn: &mut PgConnection,
    segment: &Segment,
    id: i64,
) -> QueryResult<Option<LineData>> {
    diesel::sql_query(
        "SELECT l.id, c.no || ' ' || c.name AS label, l.salesperson_code::text AS salesperson_code, \
           to_char(l.date, 'YYYY-MM-DD') AS date, l.interaction_template_code::text AS interaction_template_code, \
           l.subject, CASE WHEN l.correspondence_type = '' THEN 'none' ELSE l.correspondence_type END AS correspondence_type, \
           l.unit_cost, l.unit_duration_min::text AS unit_duration_min, l.evaluation, \
           l.campaign_target, l.campaign_response \
         FROM segment_lines l JOIN contacts c ON c.id = l.contact_id \
         WHERE l.id = $1 AND l.segment_id = $2 AND l.removed_by_step IS NULL",
    )
    .bind::<BigInt, _>(id)
    .bind::<BigInt, _>(segment.id)
    .get_result(conn)
    .optional()
}

#[cfg(test)]
mod tests {
    use super::LineForm;
    use crate::web::locale::{self, Locale};

    #[test]
    fn a_date_or_cost_written_another_way_is_no_difference() {
        locale::within(Locale::DaDk, || {
            let theirs = LineForm {
                date: "2026-11-30".into(),
                unit_cost: "12,50".into(),
                unit_duration_min: "1000".into(),
                salesperson_code: "JO".into(),
                ..Default::default()
            };
            let yours = LineForm {
                date: "30-11-2026".into(),
                unit_cost: "12,5".into(),
                unit_duration_min: "1.000".into(),
                salesperson_code: "jo".into(),
                ..Default::default()
            };
            assert!(yours.differences(&theirs).is_empty());
            let yours = LineForm {
                date: "01-12-2026".into(),
                unit_cost: "13".into(),
                ..yours
            };
            let labels: Vec<&str> = yours.differences(&theirs).iter().map(|d| d.0).collect();
            assert_eq!(labels, ["Date", "Unit Cost"]);
        });
    }
}
