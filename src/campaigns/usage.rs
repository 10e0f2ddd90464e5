//! What refers to a campaign, and so stops its deletion: segments, templates, entries,
//! opportunities, and the steps of saved criteria and draft segments that name it.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

/// What refers to a campaign, and so stops its deletion.
#[derive(Clone, Debug, Default, QueryableByName)]
pub struct Usage {
    #[diesel(sql_type = BigInt)]
    pub segments: i64,
    #[diesel(sql_type = BigInt)]
    pub templates: i64,
    #[diesel(sql_type = BigInt)]
    pub campaign_entries: i64,
    #[diesel(sql_type = BigInt)]
    pub interactions: i64,
    #[diesel(sql_type = BigInt)]
    pub opportunities: i64,
    /// Saved criteria whose steps name it in a Campaign filter (of interactions or of
    /// opportunities): deleted, it would leave them steps that Reuse Criteria refuses to run.
    #[diesel(sql_type = BigInt)]
    pub saved_criteria: i64,
    /// Draft segments whose steps name it so: their Refresh would refuse to run.
    #[diesel(sql_type = BigInt)]
    pub draft_steps: i64,
}

impl Usage {
    pub fn is_empty(&self) -> bool {
        self.segments
            + self.templates
            + self.campaign_entries
            + self.interactions
            + self.opportunities
            + self.saved_criteria
            + self.draft_steps
            == 0
    }

    /// Why the campaign cannot be deleted, if it cannot: everything that refers to it.
    pub fn refusal(&self, no: &str) -> Option<String> {
        use crate::setup::registry::{IN_DRAFTS, IN_SAVED};
        if self.is_empty() {
            return None;
        }
        let mut parts = Vec::new();
        for (n, one, many) in [
            (self.segments, "segment", "segments"),
            (
                self.templates,
                "interaction template",
                "interaction templates",
            ),
            (self.campaign_entries, "campaign entry", "campaign entries"),
            (
                self.interactions,
                "interaction log entry",
                "interaction log entries",
            ),
            (self.opportunities, "opportunity", "opportunities"),
            (self.saved_criteria, IN_SAVED.0, IN_SAVED.1),
            (self.draft_steps, IN_DRAFTS.0, IN_DRAFTS.1),
        ] {
            if n > 0 {
                let what = if n == 1 { one } else { many };
                let or_more = if n >= USAGE_CAP { " or more" } else { "" };
                parts.push(format!(
                    "{}{or_more} {what}",
                    crate::web::pagination::thousands(n)
                ));
            }
        }
        Some(format!(
            "Campaign {no} cannot be deleted: it is used by {}.",
            parts.join(", ")
        ))
    }
}

impl Usage {
    /// What to do about each kind of reference that stops the deletion, one sentence each.
    pub fn advice(&self) -> Vec<&'static str> {
        let mut advice = Vec::new();
        if self.segments > 0 {
            advice.push(
                "Segments: clear or change the Campaign on each draft segment's page. A \
                 logged segment keeps its campaign; only a canceled one can be deleted.",
            );
        }
        if self.templates > 0 {
            advice.push(
                "Interaction templates: an administrator clears or changes their campaign in \
                 Setup, Interaction templates.",
            );
        }
        if self.opportunities > 0 {
            advice.push(
                "Opportunities: change the campaign in each one's Edit details, or delete it; \
                 a closed opportunity is reopened first.",
            );
        }
        if self.saved_criteria + self.draft_steps > 0 {
            advice.push(
                "Criteria steps that name it in a Campaign filter: delete those saved criteria \
                 on the Saved criteria page; on a draft segment, Go Back to before the step.",
            );
        }
        if self.campaign_entries + self.interactions > 0 {
            advice.push(
                "Logged interactions and campaign entries are the record of what was done: a \
                 campaign that has them stays, those of a canceled segment too.",
            );
        }
        advice
    }
}

/// The interaction entries that stop a deletion are counted up to here ("10,000 or more"):
/// a campaign may have millions.
pub const USAGE_CAP: i64 = 10_000;

/// What refers to campaign `no`, in one statement; its interaction entries counted up to
/// [`USAGE_CAP`].
pub fn usage(conn: &mut PgConnection, no: &str) -> QueryResult<Usage> {
    diesel::sql_query(concat!(
        "SELECT (SELECT count(*) FROM segments WHERE campaign_no = $1) AS segments, \
           (SELECT count(*) FROM interaction_templates WHERE campaign_no = $1) AS templates, \
           (SELECT count(*) FROM campaign_entries WHERE campaign_no = $1) AS campaign_entries, \
           (SELECT count(*) FROM (SELECT 1 FROM interaction_log_entries \
              WHERE campaign_no = $1 LIMIT $2) x) AS interactions, \
           (SELECT count(*) FROM (SELECT 1 FROM opportunities \
              WHERE campaign_no = $1 LIMIT $2) x) AS opportunities, \
           (SELECT count(DISTINCT s.code) FROM saved_criteria_steps s, ",
        crate::filter_tokens!("'interaction_campaign', 'opportunity_campaign'"),
        ") AS saved_criteria, \
           (SELECT count(DISTINCT s.segment_id) FROM segment_steps s \
              JOIN segments g ON g.id = s.segment_id AND g.status = 'draft', ",
        crate::filter_tokens!("'interaction_campaign', 'opportunity_campaign'"),
        ") AS draft_steps"
    ))
    .bind::<Text, _>(no)
    .bind::<BigInt, _>(USAGE_CAP)
    .get_result(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_names_everything_that_refers_to_the_campaign() {
        let u = Usage {
            segments: 1,
            templates: 2,
            campaign_entries: 0,
            interactions: USAGE_CAP,
            opportunities: 1,
            saved_criteria: 2,
            draft_steps: 0,
        };
        assert_eq!(
            u.refusal("CP0001").as_deref(),
            Some("Campaign CP0001 cannot be deleted: it is used by 1 segment, 2 interaction templates, 10,000 or more interaction log entries, 1 opportunity, 2 saved criteria (in their filters).")
        );
        let only = Usage {
            opportunities: 2,
            ..Usage::default()
        };
        assert_eq!(
            only.refusal("CP0002").as_deref(),
            Some("Campaign CP0002 cannot be deleted: it is used by 2 opportunities.")
        );
        assert_eq!(Usage::default().refusal("CP0001"), None);
    }
}
