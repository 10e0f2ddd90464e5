//! The sections of the segment filter form, and the related rows each reads.

/// The sections of the filter form (see docs/segments.md, Criteria sections).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Contact,
    IndustryGroup,
    BusinessRelation,
    MailingGroup,
    JobResponsibility,
    Interactions,
    Opportunities,
}

impl Section {
    pub const ALL: [Section; 7] = [
        Section::Contact,
        Section::IndustryGroup,
        Section::BusinessRelation,
        Section::MailingGroup,
        Section::JobResponsibility,
        Section::Interactions,
        Section::Opportunities,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Section::Contact => "Contact",
            Section::IndustryGroup => "Industry Group",
            Section::BusinessRelation => "Business Relation",
            Section::MailingGroup => "Mailing Group",
            Section::JobResponsibility => "Job Responsibility",
            Section::Interactions => "Interactions",
            Section::Opportunities => "Opportunities",
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Section::Contact => "contact",
            Section::IndustryGroup => "industry-group",
            Section::BusinessRelation => "business-relation",
            Section::MailingGroup => "mailing-group",
            Section::JobResponsibility => "job-responsibility",
            Section::Interactions => "interactions",
            Section::Opportunities => "opportunities",
        }
    }

    /// The classifications: a contact has none, one or several codes of each, never an
    /// empty one.
    pub fn is_classification(self) -> bool {
        matches!(
            self,
            Section::IndustryGroup
                | Section::BusinessRelation
                | Section::MailingGroup
                | Section::JobResponsibility
        )
    }

    /// A related row of this section, for one contact `c`: table, alias and join (industry
    /// groups and business relations are read through the contact's company).
    pub(super) fn related(self) -> Option<(&'static str, &'static str)> {
        match self {
            Section::Contact => None,
            Section::IndustryGroup => {
                Some(("contact_industry_groups g", "g.contact_id = c.company_key"))
            }
            Section::BusinessRelation => Some((
                "contact_business_relations b",
                "b.contact_id = c.company_key",
            )),
            Section::MailingGroup => Some(("contact_mailing_groups m", "m.contact_id = c.id")),
            Section::JobResponsibility => {
                Some(("contact_job_responsibilities j", "j.contact_id = c.id"))
            }
            Section::Interactions => Some((
                "interaction_log_entries e",
                "e.contact_id = c.id AND NOT e.canceled",
            )),
            Section::Opportunities => Some(("opportunities op", "op.contact_id = c.id")),
        }
    }
}
