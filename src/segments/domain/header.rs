//! A segment's header: its fields, its status, and its queries (find, lock, insert,
//! update); the form and its checks are in `header_form`; amounts as typed.

use crate::db::schema::{interaction_templates, segments};
use crate::setup::number_series;
pub use crate::setup::support::parse_amount;
use bigdecimal::BigDecimal;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::Text;

#[derive(Clone, Debug, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = segments)]
pub struct Segment {
    pub id: i64,
    pub no: String,
    pub description: String,
    pub date: NaiveDate,
    pub salesperson_code: Option<String>,
    pub interaction_template_code: Option<String>,
    pub campaign_no: Option<String>,
    pub campaign_target: bool,
    pub campaign_response: bool,
    pub subject: String,
    pub language_code: Option<String>,
    pub correspondence_type: String,
    pub ignore_contact_correspondence_type: bool,
    pub unit_cost: BigDecimal,
    pub unit_duration_min: i32,
    pub information_flow: String,
    pub initiated_by: String,
    pub status: SegmentStatus,
    pub version: i32,
    pub created_by: Option<i64>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub logged_at: Option<chrono::DateTime<chrono::Utc>>,
    pub logged_by: String,
    /// Who canceled it and when (Restore clears both).
    pub canceled_at: Option<chrono::DateTime<chrono::Utc>>,
    pub canceled_by: String,
}

impl Segment {
    pub fn is_draft(&self) -> bool {
        self.status == SegmentStatus::Draft
    }

    pub fn is_canceled(&self) -> bool {
        self.status == SegmentStatus::Canceled
    }

    pub fn status_label(&self) -> &'static str {
        self.status.label()
    }

    pub fn correspondence_label(&self) -> &'static str {
        crate::contacts::model::correspondence_label(&self.correspondence_type)
    }

    pub fn flow_label(&self) -> &'static str {
        crate::setup::interaction_templates::label(&FLOWS, &self.information_flow)
    }

    pub fn initiated_label(&self) -> &'static str {
        crate::setup::interaction_templates::label(&INITIATORS, &self.initiated_by)
    }
}

/// A segment's status: a draft is built step by step; a logged segment is the record of the
/// interactions it wrote; a canceled one had them canceled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, diesel::FromSqlRow, diesel::AsExpression)]
#[diesel(sql_type = Text)]
pub enum SegmentStatus {
    Draft,
    Logged,
    Canceled,
}

impl SegmentStatus {
    pub const ALL: [SegmentStatus; 3] = [
        SegmentStatus::Draft,
        SegmentStatus::Logged,
        SegmentStatus::Canceled,
    ];

    /// As stored in the `status` column and written in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            SegmentStatus::Draft => "draft",
            SegmentStatus::Logged => "logged",
            SegmentStatus::Canceled => "canceled",
        }
    }

    pub fn parse(s: &str) -> Option<SegmentStatus> {
        SegmentStatus::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn is_draft(self) -> bool {
        self == SegmentStatus::Draft
    }

    pub fn label(self) -> &'static str {
        match self {
            SegmentStatus::Draft => "Draft",
            SegmentStatus::Logged => "Logged",
            SegmentStatus::Canceled => "Canceled",
        }
    }
}

impl std::fmt::Display for SegmentStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl diesel::deserialize::FromSql<Text, diesel::pg::Pg> for SegmentStatus {
    fn from_sql(bytes: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
        let s = <String as diesel::deserialize::FromSql<Text, diesel::pg::Pg>>::from_sql(bytes)?;
        SegmentStatus::parse(&s).ok_or_else(|| format!("unknown segment status {s:?}").into())
    }
}

impl diesel::serialize::ToSql<Text, diesel::pg::Pg> for SegmentStatus {
    fn to_sql<'b>(
        &'b self,
        out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
    ) -> diesel::serialize::Result {
        use std::io::Write;
        out.write_all(self.as_str().as_bytes())?;
        Ok(diesel::serialize::IsNull::No)
    }
}

/// The header's codes with their names ("JBN – Jens B. Nielsen"), as the page shows them.
#[derive(Clone, Debug, Default)]
pub struct HeaderNames {
    pub salesperson: Option<String>,
    pub interaction_template: Option<String>,
    pub campaign: Option<String>,
    pub language: Option<String>,
}

pub use super::header_form::{HeaderForm, HeaderValues};

pub use crate::setup::interaction_templates::{
    campaign_options, InteractionTemplate as Template, FLOWS, INITIATORS,
};

pub fn template(conn: &mut PgConnection, code: &str) -> QueryResult<Option<Template>> {
    crate::setup::interaction_templates::find(conn, code)
}

pub fn templates(conn: &mut PgConnection) -> QueryResult<Vec<Template>> {
    crate::setup::interaction_templates::all(conn)
}

impl HeaderValues {
    /// The values a header form shows before anything is typed: a new segment's blank
    /// defaults (`None`), or what segment `s` holds.
    pub fn shown(s: Option<&Segment>) -> HeaderValues {
        match s {
            Some(s) => HeaderValues {
                description: s.description.clone(),
                date: s.date,
                salesperson_code: s.salesperson_code.clone(),
                interaction_template_code: s.interaction_template_code.clone(),
                campaign_no: s.campaign_no.clone(),
                campaign_target: s.campaign_target,
                campaign_response: s.campaign_response,
                subject: s.subject.clone(),
                language_code: s.language_code.clone(),
                correspondence_type: s.correspondence_type.clone(),
                ignore_contact_correspondence_type: s.ignore_contact_correspondence_type,
                unit_cost: s.unit_cost.clone(),
                unit_duration_min: s.unit_duration_min,
                information_flow: s.information_flow.clone(),
                initiated_by: s.initiated_by.clone(),
            },
            None => HeaderValues {
                description: String::new(),
                date: chrono::Local::now().date_naive(),
                salesperson_code: None,
                interaction_template_code: None,
                campaign_no: None,
                campaign_target: false,
                campaign_response: false,
                subject: String::new(),
                language_code: None,
                correspondence_type: String::new(),
                ignore_contact_correspondence_type: false,
                unit_cost: BigDecimal::from(0),
                unit_duration_min: 0,
                information_flow: "outbound".into(),
                initiated_by: "us".into(),
            },
        }
    }

    /// Choosing an interaction template copies its defaults into the header (see
    /// docs/segments.md, Segments, header and lines): into every field the user left as the
    /// form showed it (`shown`). A value typed in the same save as the template was chosen
    /// is the user's and stays (it was overwritten, silently); the labels of those that
    /// differ from the template's come back. The template's description becomes the subject
    /// unless the subject is one of the user's own: it is empty, or it is the description of
    /// the `previous` template, or of another template (`subject_of_a_template`: one chosen
    /// before and cleared since left its description behind). A template without a campaign
    /// clears the campaign that came with the `previous` one (see
    /// [`HeaderValues::drop_campaign_of`]). A template's campaign replaces the header's when
    /// that was left as shown; the flags come with it then, or when the header's campaign is
    /// the template's already (a new segment of a campaign, from its card).
    pub fn take_template_defaults(
        &mut self,
        t: &Template,
        previous: Option<&Template>,
        shown: &HeaderValues,
        subject_of_a_template: bool,
    ) -> (Vec<&'static str>, Option<String>) {
        let mut kept = Vec::new();
        fn take<T: PartialEq + Clone>(
            value: &mut T,
            shown: &T,
            default: &T,
            label: &'static str,
            kept: &mut Vec<&'static str>,
        ) {
            if value == shown {
                *value = default.clone();
            } else if value != default {
                kept.push(label);
            }
        }
        if self.subject.is_empty()
            || subject_of_a_template
            || previous.is_some_and(|p| p.description == self.subject)
        {
            self.subject = t.description.clone();
        }
        take(
            &mut self.unit_cost,
            &shown.unit_cost,
            &t.unit_cost,
            "unit cost",
            &mut kept,
        );
        take(
            &mut self.unit_duration_min,
            &shown.unit_duration_min,
            &t.unit_duration_min,
            "unit duration",
            &mut kept,
        );
        take(
            &mut self.information_flow,
            &shown.information_flow,
            &t.information_flow,
            "information flow",
            &mut kept,
        );
        take(
            &mut self.initiated_by,
            &shown.initiated_by,
            &t.initiated_by,
            "initiated by",
            &mut kept,
        );
        take(
            &mut self.correspondence_type,
            &shown.correspondence_type,
            &t.correspondence_type,
            "correspondence type",
            &mut kept,
        );
        take(
            &mut self.ignore_contact_correspondence_type,
            &shown.ignore_contact_correspondence_type,
            &t.ignore_contact_correspondence_type,
            "ignore contact correspondence type",
            &mut kept,
        );
        if t.campaign_no.is_some() {
            if self.campaign_no == shown.campaign_no || self.campaign_no == t.campaign_no {
                // The campaign comes with the template; a flag ticked or cleared in this save
                // is the user's and stays with it.
                self.campaign_no = t.campaign_no.clone();
                take(
                    &mut self.campaign_target,
                    &shown.campaign_target,
                    &t.campaign_target,
                    "campaign target",
                    &mut kept,
                );
                take(
                    &mut self.campaign_response,
                    &shown.campaign_response,
                    &t.campaign_response,
                    "campaign response",
                    &mut kept,
                );
            } else if (
                &self.campaign_no,
                self.campaign_target,
                self.campaign_response,
            ) != (&t.campaign_no, t.campaign_target, t.campaign_response)
            {
                // A campaign the user chose in this save stays, with the flags given it.
                kept.push("campaign");
            }
            return (kept, None);
        }
        let cleared = previous.and_then(|p| self.drop_campaign_of(p, shown));
        (kept, cleared)
    }

    /// Clears the campaign that came with template `previous`, as BC's template change
    /// copies the new template's campaign, none included: the header's campaign is
    /// `previous`'s and was left as the form showed it. A campaign the user chose (another,
    /// or typed in this save) stays. Returns the campaign cleared.
    pub fn drop_campaign_of(
        &mut self,
        previous: &Template,
        shown: &HeaderValues,
    ) -> Option<String> {
        let came_with_it = previous.campaign_no.is_some()
            && self.campaign_no == previous.campaign_no
            && self.campaign_no == shown.campaign_no;
        if !came_with_it {
            return None;
        }
        self.campaign_target = false;
        self.campaign_response = false;
        self.campaign_no.take()
    }
}

/// The defaults of an interaction template applied to a header: which template, and the
/// labels of the fields that kept the value the user typed in the same save.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateApplied {
    /// The template chosen; `None` when the template was cleared.
    pub code: Option<String>,
    pub kept: Vec<&'static str>,
    /// The campaign of the previous template, cleared with it: (template, campaign).
    pub cleared: Option<(String, String)>,
}

impl TemplateApplied {
    /// "the defaults of interaction template MAIL were applied (unit cost and campaign kept
    /// as typed)".
    /// With a campaign cleared: "… were applied; campaign CP0002, which came with interaction
    /// template MAIL, was cleared", or "campaign CP0002, which came with interaction template
    /// MAIL, was cleared with it" when the template was cleared.
    pub fn sentence(&self) -> String {
        let mut parts = Vec::new();
        if let Some(code) = &self.code {
            let mut text = format!("the defaults of interaction template {code} were applied");
            if !self.kept.is_empty() {
                let list = crate::web::forms::joined(&self.kept, "and");
                text.push_str(&format!(" ({list} kept as typed)"));
            }
            parts.push(text);
        }
        if let Some((template, campaign)) = &self.cleared {
            let with_it = if self.code.is_none() { " with it" } else { "" };
            parts.push(format!(
                "campaign {campaign}, which came with interaction template {template}, was \
                 cleared{with_it}"
            ));
        }
        parts.join("; ")
    }
}

/// Applies the defaults of the header's interaction template when it was chosen (it differs
/// from `previous`, the template the segment had), to the fields left as `shown`; what was
/// applied, or `None`. A template cleared clears the campaign that came with it, as in BC.
pub fn apply_template(
    conn: &mut PgConnection,
    values: &mut HeaderValues,
    previous: Option<&str>,
    shown: &HeaderValues,
) -> QueryResult<Option<TemplateApplied>> {
    let code = values.interaction_template_code.clone();
    if previous == code.as_deref() {
        return Ok(None);
    }
    let previous = match previous {
        Some(p) => template(conn, p)?,
        None => None,
    };
    let cleared_of = |cleared: Option<String>| {
        cleared
            .zip(previous.as_ref().map(|p| p.code.clone()))
            .map(|(campaign, template)| (template, campaign))
    };
    let Some(code) = code else {
        let cleared = previous
            .as_ref()
            .and_then(|p| values.drop_campaign_of(p, shown));
        return Ok(cleared_of(cleared).map(|cleared| TemplateApplied {
            code: None,
            kept: Vec::new(),
            cleared: Some(cleared),
        }));
    };
    let Some(t) = template(conn, &code)? else {
        return Ok(None);
    };
    let subject_of_a_template = !values.subject.is_empty()
        && interaction_templates::table
            .filter(interaction_templates::description.eq(&values.subject))
            .select(interaction_templates::code)
            .first::<String>(conn)
            .optional()?
            .is_some();
    let (kept, cleared) =
        values.take_template_defaults(&t, previous.as_ref(), shown, subject_of_a_template);
    Ok(Some(TemplateApplied {
        code: Some(code),
        kept,
        cleared: cleared_of(cleared),
    }))
}

pub fn find_by_no(conn: &mut PgConnection, no: &str) -> QueryResult<Option<Segment>> {
    segments::table
        .filter(segments::no.eq(no.trim().to_uppercase()))
        .select(Segment::as_select())
        .first(conn)
        .optional()
}

/// The segment numbered `no`, kept from deletion until the transaction ends: a segment
/// another one's step reads (Reuse Segment), whose deletion ([`lock_to_delete`]) waits for
/// the step and then sees it, instead of leaving the step over a segment gone. Its own steps
/// ([`lock`]) do not wait for it, so two segments reusing each other at once do not deadlock.
pub fn find_by_no_kept(conn: &mut PgConnection, no: &str) -> QueryResult<Option<Segment>> {
    segments::table
        .filter(segments::no.eq(no.trim().to_uppercase()))
        .select(Segment::as_select())
        .for_key_share()
        .first(conn)
        .optional()
}

/// Locks the segment row for the rest of the transaction: steps on one segment run one at a
/// time, so two users acting at once cannot lose or duplicate lines. (A lock that lets another
/// segment's step read it: [`find_by_no_kept`].)
pub fn lock(conn: &mut PgConnection, no: &str) -> QueryResult<Option<Segment>> {
    segments::table
        .filter(segments::no.eq(no.trim().to_uppercase()))
        .select(Segment::as_select())
        .for_no_key_update()
        .first(conn)
        .optional()
}

/// [`lock`], and no other segment's step reading it either ([`find_by_no_kept`]): before its
/// deletion checks what reuses it.
pub fn lock_to_delete(conn: &mut PgConnection, no: &str) -> QueryResult<Option<Segment>> {
    segments::table
        .filter(segments::no.eq(no.trim().to_uppercase()))
        .select(Segment::as_select())
        .for_update()
        .first(conn)
        .optional()
}

/// A new segment; `form_key`: its form's one-time key ([`crate::db::once`]), if made from one.
pub fn insert(
    conn: &mut PgConnection,
    values: &HeaderValues,
    user_id: i64,
    form_key: Option<&str>,
) -> QueryResult<Segment> {
    let no = number_series::next(conn, number_series::SEGMENTS)?;
    diesel::insert_into(segments::table)
        .values((
            segments::no.eq(no),
            values,
            segments::created_by.eq(user_id),
            segments::form_key.eq(form_key),
        ))
        .returning(Segment::as_returning())
        .get_result(conn)
}

pub fn update(
    conn: &mut PgConnection,
    id: i64,
    version: i32,
    values: &HeaderValues,
) -> QueryResult<Option<Segment>> {
    diesel::update(
        segments::table
            .filter(segments::id.eq(id))
            .filter(segments::version.eq(version)),
    )
    .set((
        values,
        segments::version.eq(segments::version + 1),
        segments::updated_at.eq(diesel::dsl::now),
    ))
    .returning(Segment::as_returning())
    .get_result(conn)
    .optional()
}
