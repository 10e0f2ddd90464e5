//! What the ledger (`segment_steps`) and saved criteria (`saved_criteria_steps`) store: a
//! step's kind, and its note — the criteria with their options, plus what a manual line or a
//! reused segment names — as versioned JSON.
//!
//! Reading back fails closed: a kind that is not known, a note of a newer format, an unknown
//! key (in the note, its options or its filters), a value of the wrong type or a filter that
//! no longer parses makes the step [`Unreadable`], with the reason. Nothing that cannot be
//! read becomes an empty filter ("every contact").

use std::fmt;

use serde_json::{Map, Value};

use super::criteria::{self, Criteria};

/// The format of the notes written now. Notes without `format` are of format 1 (the same
/// shape, written before the key existed).
pub const FORMAT: u64 = 1;

/// The kinds of step a ledger holds (the `kind` column's CHECK lists the same).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StepKind {
    Add,
    Reduce,
    Refine,
    ManualAdd,
    ManualRemove,
    ReuseSegment,
    Refresh,
}

impl StepKind {
    pub const ALL: [StepKind; 7] = [
        StepKind::Add,
        StepKind::Reduce,
        StepKind::Refine,
        StepKind::ManualAdd,
        StepKind::ManualRemove,
        StepKind::ReuseSegment,
        StepKind::Refresh,
    ];

    /// As stored in the `kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Add => "add",
            StepKind::Reduce => "reduce",
            StepKind::Refine => "refine",
            StepKind::ManualAdd => "manual_add",
            StepKind::ManualRemove => "manual_remove",
            StepKind::ReuseSegment => "reuse_segment",
            StepKind::Refresh => "refresh",
        }
    }

    pub fn parse(s: &str) -> Option<StepKind> {
        StepKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn title(self) -> &'static str {
        match self {
            StepKind::Add => "Add Contacts",
            StepKind::Reduce => "Reduce Contacts",
            StepKind::Refine => "Refine Contacts",
            StepKind::ManualAdd => "Add line",
            StepKind::ManualRemove => "Remove line",
            StepKind::ReuseSegment => "Reuse Segment",
            StepKind::Refresh => "Refresh",
        }
    }

    /// The filter steps: the ones Save Criteria keeps and Reuse Criteria replays.
    pub fn is_filter(self) -> bool {
        matches!(self, StepKind::Add | StepKind::Reduce | StepKind::Refine)
    }

    /// Whether the step is recorded even when it changes no line: the steps that select by
    /// criteria (Add, Reduce, Refine, Reuse Segment). Business Central writes its action before
    /// processing, so an empty run still counts; and Refresh and Save Criteria replay the
    /// ledger, so a Refine that removes nobody today must still be there when someone it would
    /// remove joins. A manual line or a Refresh that changes nothing leaves no step.
    pub fn recorded_when_empty(self) -> bool {
        self.is_filter() || self == StepKind::ReuseSegment
    }

    /// Steps that add contacts under Add Contacts' options.
    pub fn adds(self) -> bool {
        matches!(
            self,
            StepKind::Add | StepKind::ManualAdd | StepKind::ReuseSegment
        )
    }

    /// The key a note of this kind carries besides the criteria (the manual line's contact
    /// as "No. Name", the reused segment's No.).
    fn subject_key(self) -> Option<&'static str> {
        match self {
            StepKind::ManualAdd | StepKind::ManualRemove => Some("contact"),
            StepKind::ReuseSegment => Some("segment"),
            _ => None,
        }
    }
}

impl fmt::Display for StepKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a stored step cannot be read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable(pub String);

impl fmt::Display for Unreadable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A stored step, read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredStep {
    pub kind: StepKind,
    pub criteria: Criteria,
    /// The manual line's contact ("CT000001 Name") or the reused segment's No.; empty for
    /// other kinds.
    pub subject: String,
}

impl StoredStep {
    /// The contact No. of a manual line's note ("CT000001 Name" → "CT000001").
    pub fn contact_no(&self) -> &str {
        self.subject.split_whitespace().next().unwrap_or("")
    }
}

/// The note to store for a step: the criteria (with their options), the kind's subject
/// (see [`StoredStep::subject`]) and the format.
pub fn note(kind: StepKind, criteria: &Criteria, subject: &str) -> Value {
    let mut map = match kind {
        StepKind::ManualRemove | StepKind::Refresh => Map::new(),
        _ => match serde_json::to_value(criteria) {
            Ok(Value::Object(map)) => map,
            // Criteria always serialise to an object.
            _ => Map::new(),
        },
    };
    if let Some(key) = kind.subject_key() {
        map.insert(key.into(), Value::String(subject.to_string()));
    }
    map.insert("format".into(), Value::from(FORMAT));
    Value::Object(map)
}

/// Reads a stored step back, or says why it cannot be.
pub fn read(kind: &str, note: &Value) -> Result<StoredStep, Unreadable> {
    let kind = StepKind::parse(kind)
        .ok_or_else(|| Unreadable(format!("its kind \"{kind}\" is not one Rapport knows")))?;
    let Value::Object(map) = note else {
        return Err(Unreadable("its criteria are not a JSON object".into()));
    };
    let mut map = map.clone();
    match map.remove("format") {
        None => {}
        Some(Value::Number(n)) if n.as_u64() == Some(FORMAT) => {}
        Some(other) => {
            return Err(Unreadable(format!(
                "its criteria are in format {other}, which this version of Rapport does not read"
            )))
        }
    }
    let subject = match kind.subject_key() {
        Some(key) => match map.remove(key) {
            Some(Value::String(s)) if !s.trim().is_empty() => s,
            Some(_) => return Err(Unreadable(format!("its {key} is not a text"))),
            None => return Err(Unreadable(format!("it does not name its {key}"))),
        },
        None => String::new(),
    };
    if matches!(kind, StepKind::ManualRemove | StepKind::Refresh) {
        if let Some(key) = map.keys().next() {
            return Err(Unreadable(format!("it has an unknown key \"{key}\"")));
        }
    }
    let criteria: Criteria = serde_json::from_value(Value::Object(map))
        .map_err(|e| Unreadable(format!("its criteria do not read back ({e})")))?;
    if let Some(key) = criteria
        .filters
        .keys()
        .find(|k| criteria::field(k).is_none())
    {
        return Err(Unreadable(format!(
            "it filters on \"{key}\", a field Rapport does not know"
        )));
    }
    if let Err(errors) = criteria.parse() {
        let text: Vec<String> = errors.iter().map(|e| e.message()).collect();
        return Err(Unreadable(format!(
            "its filters no longer parse ({})",
            text.join("; ")
        )));
    }
    Ok(StoredStep {
        kind,
        criteria,
        subject,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn with_filters(items: &[(&str, &str)]) -> Criteria {
        let mut c = Criteria::default();
        for (k, v) in items {
            c.filters.insert(k.to_string(), v.to_string());
        }
        c
    }

    #[test]
    fn every_kind_round_trips_with_its_note() {
        let mut c = with_filters(&[("country", "DK"), ("industry_group", "RETAIL|WHOLESALE")]);
        c.options.expand_companies = true;
        for kind in StepKind::ALL {
            assert_eq!(StepKind::parse(kind.as_str()), Some(kind));
            let subject = match kind {
                StepKind::ManualAdd | StepKind::ManualRemove => "CT000001 Østergaard A/S",
                StepKind::ReuseSegment => "SM00002",
                _ => "",
            };
            let stored = note(kind, &c, subject);
            assert_eq!(stored["format"], json!(1));
            let back = read(kind.as_str(), &stored).unwrap();
            assert_eq!(back.kind, kind);
            assert_eq!(back.subject, subject);
            if matches!(kind, StepKind::ManualRemove | StepKind::Refresh) {
                assert_eq!(back.criteria, Criteria::default());
            } else {
                assert_eq!(back.criteria, c);
            }
        }
        let manual = read(
            "manual_add",
            &note(StepKind::ManualAdd, &c, "CT000042 Jens Hansen"),
        )
        .unwrap();
        assert_eq!(manual.contact_no(), "CT000042");
    }

    #[test]
    fn notes_written_before_the_format_key_still_read() {
        let legacy = json!({"filters": {"country": "DK"}, "options": {"expand_companies": true}});
        let step = read("add", &legacy).unwrap();
        assert_eq!(step.criteria.value("country"), "DK");
        assert!(step.criteria.options.expand_companies);
        assert!(read("manual_remove", &json!({"contact": "CT000001 A"})).is_ok());
        assert!(read("refresh", &json!({})).is_ok());
    }

    #[test]
    fn what_cannot_be_read_is_refused_never_an_empty_filter() {
        let cases = [
            ("add", json!({"filterz": {"country": "DK"}}), "filterz"),
            (
                "add",
                json!({"filters": {"industry_grp": "RETAIL"}}),
                "industry_grp",
            ),
            (
                "add",
                json!({"filters": {"country": 7}}),
                "do not read back",
            ),
            (
                "add",
                json!({"filters": {"country": "A||B"}}),
                "no longer parse",
            ),
            (
                "add",
                json!({"options": {"expand_company": true}}),
                "expand_company",
            ),
            ("add", json!({"filters": {}, "format": 2}), "format 2"),
            ("add", json!("country=DK"), "not a JSON object"),
            ("add", json!(null), "not a JSON object"),
            ("enlarge", json!({}), "\"enlarge\""),
            (
                "manual_add",
                json!({"filters": {}}),
                "does not name its contact",
            ),
            (
                "manual_remove",
                json!({"contact": "CT1", "extra": 1}),
                "\"extra\"",
            ),
            (
                "refresh",
                json!({"filters": {"country": "DK"}}),
                "\"filters\"",
            ),
            ("reuse_segment", json!({"segment": 12}), "not a text"),
        ];
        for (kind, stored, says) in cases {
            let err = read(kind, &stored).expect_err(&format!("{kind} {stored} must not read"));
            assert!(err.0.contains(says), "{kind} {stored}: {err}");
        }
    }
}
