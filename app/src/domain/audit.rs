//! The audit log's plain types: what a record says, how its values are kept, and how the log
//! is filtered. Storage lives in the server (`server/src/audit/`); the rules here are pure.

use super::field::Field;
use super::policy::{Access, Fact, UserAccess};
use super::profile::{Timestamp, days_from_civil};
use serde::{Deserialize, Serialize};

/// What became of one audited action. Serialized as its [`Outcome::name`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A save reached the directory.
    Saved,
    /// A save with nothing to write.
    Unchanged,
    /// A save the policy did not allow (a field, or a user outside the account's scope).
    Refused,
    /// A save with invalid values or a tampered form.
    Invalid,
    /// A save that collided with someone else's change to the same field.
    Conflict,
    /// A save the directory failed (or a user it did not find).
    DirectoryError,
    /// A save whose result was not recorded at the time (the audit store failed after the
    /// directory call); written later by reconciliation, which could not confirm every value.
    Unconfirmed,
    /// An alert: a save that reached a user who had left the account's scope while it ran.
    SavedOutsideScope,
    SignedIn,
    SignInFailed,
    SignedOut,
    /// A signed-in person proved who they are again, for a sensitive change.
    IdentityConfirmed,
    /// A confirmation that did not prove it (wrong password, another person, a stale
    /// authentication at the provider).
    ConfirmationFailed,
    /// A change to a portal account (`/admin/accounts`); the detail says which.
    AccountChanged,
    /// An export of the directory; the detail says the format and how many users it holds.
    Exported,
}

impl Outcome {
    /// Every outcome, saves first.
    pub const ALL: [Outcome; 15] = [
        Outcome::Saved,
        Outcome::Unchanged,
        Outcome::Refused,
        Outcome::Invalid,
        Outcome::Conflict,
        Outcome::DirectoryError,
        Outcome::Unconfirmed,
        Outcome::SavedOutsideScope,
        Outcome::SignedIn,
        Outcome::SignInFailed,
        Outcome::SignedOut,
        Outcome::IdentityConfirmed,
        Outcome::ConfirmationFailed,
        Outcome::AccountChanged,
        Outcome::Exported,
    ];

    /// The name stored in the database and used in filters and exports.
    pub const fn name(self) -> &'static str {
        match self {
            Outcome::Saved => "saved",
            Outcome::Unchanged => "unchanged",
            Outcome::Refused => "refused",
            Outcome::Invalid => "invalid",
            Outcome::Conflict => "conflict",
            Outcome::DirectoryError => "directory_error",
            Outcome::Unconfirmed => "unconfirmed",
            Outcome::SavedOutsideScope => "saved_outside_scope",
            Outcome::SignedIn => "signed_in",
            Outcome::SignInFailed => "sign_in_failed",
            Outcome::SignedOut => "signed_out",
            Outcome::IdentityConfirmed => "identity_confirmed",
            Outcome::ConfirmationFailed => "confirmation_failed",
            Outcome::AccountChanged => "account_changed",
            Outcome::Exported => "exported",
        }
    }

    /// Parses a stored name.
    pub fn from_name(name: &str) -> Option<Outcome> {
        Self::ALL.into_iter().find(|o| o.name() == name)
    }

    /// A label people understand.
    pub const fn label(self) -> &'static str {
        match self {
            Outcome::Saved => "Saved",
            Outcome::Unchanged => "Nothing to save",
            Outcome::Refused => "Refused by policy",
            Outcome::Invalid => "Invalid",
            Outcome::Conflict => "Conflict",
            Outcome::DirectoryError => "Directory error",
            Outcome::Unconfirmed => "Saved (unconfirmed)",
            Outcome::SavedOutsideScope => "Saved outside the scope (alert)",
            Outcome::SignedIn => "Signed in",
            Outcome::SignInFailed => "Sign-in failed",
            Outcome::SignedOut => "Signed out",
            Outcome::IdentityConfirmed => "Identity confirmed",
            Outcome::ConfirmationFailed => "Confirmation failed",
            Outcome::AccountChanged => "Account changed",
            Outcome::Exported => "Directory exported",
        }
    }

    /// Whether the change may have reached the directory (what a user's History shows).
    pub const fn reached_directory(self) -> bool {
        matches!(
            self,
            Outcome::Saved | Outcome::Unconfirmed | Outcome::SavedOutsideScope
        )
    }
}

/// How the audit log keeps a field's values (configurable per field). Serialized as its
/// [`ValueMode::name`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueMode {
    /// The values themselves.
    #[default]
    Value,
    /// A keyed hash: equal values hash alike, but the value cannot be read back.
    Hash,
    /// Nothing but the fact that the field changed.
    Redacted,
}

impl ValueMode {
    pub const fn name(self) -> &'static str {
        match self {
            ValueMode::Value => "value",
            ValueMode::Hash => "hash",
            ValueMode::Redacted => "redacted",
        }
    }

    pub fn from_name(name: &str) -> Option<ValueMode> {
        [ValueMode::Value, ValueMode::Hash, ValueMode::Redacted]
            .into_iter()
            .find(|m| m.name() == name)
    }
}

/// One field of a save, before the audit store applies the field's value mode.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedValue {
    pub field: Field,
    pub old: String,
    pub new: String,
}

/// One field of a save as the audit log keeps it. `old` and `new` are `None` when redacted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: Field,
    pub mode: ValueMode,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// An audit record on its way to the store.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub outcome: Option<Outcome>,
    /// The portal account (for a failed sign-in, the name that was tried).
    pub account: String,
    /// The client's IP address.
    pub client: Option<String>,
    /// The portal's request id.
    pub request_id: String,
    /// The WorkMail user of a save, once known: id and email.
    pub target_id: Option<String>,
    pub target_email: Option<String>,
    /// Why, for anything but a plain success.
    pub detail: Option<String>,
    pub changes: Vec<ChangedValue>,
}

/// A stored audit record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub id: i64,
    /// Unix milliseconds.
    pub at_ms: i64,
    pub outcome: Outcome,
    pub account: String,
    pub client: Option<String>,
    pub request_id: String,
    pub target_id: Option<String>,
    pub target_email: Option<String>,
    pub detail: Option<String>,
    pub changes: Vec<FieldChange>,
}

impl AuditRecord {
    /// `YYYY-MM-DD HH:MM:SS UTC`.
    pub fn time(&self) -> String {
        Timestamp(self.at_ms.div_euclid(1000)).precise()
    }

    /// The record without the fields `hidden` says the reader may not see.
    pub fn without_fields(mut self, hidden: impl Fn(Field) -> bool) -> Self {
        self.changes.retain(|c| !hidden(c.field));
        self
    }

    /// The record as a reader with `access` to its target may see it: hidden fields and a
    /// hidden email left out; the request's client address and the detail only for readers of
    /// the whole log (`whole_log`). A change made only to hidden fields is `None` outside the
    /// whole log, so that History doesn't reveal when a hidden field changed.
    pub fn for_reader(mut self, access: &UserAccess, whole_log: bool) -> Option<Self> {
        let had_changes = !self.changes.is_empty();
        self = self.without_fields(|f| access.field(f) == Access::Hidden);
        if access.fact(Fact::Email) == Access::Hidden {
            self.target_email = None;
        }
        if !whole_log {
            if had_changes && self.changes.is_empty() {
                return None;
            }
            self.client = None;
            // A task (password, addresses, groups, quota, state) has no field changes: its
            // detail says what it did, naming addresses and groups, so only a reader who may
            // see the user's address reads it.
            self.detail = if had_changes {
                None
            } else if access.fact(Fact::Email) > Access::Hidden {
                self.detail
            } else {
                Some("A mail and access task".to_owned())
            };
        }
        Some(self)
    }
}

/// Most records one page of the log shows.
pub const AUDIT_PAGE_SIZE: usize = 50;

/// Which records to show. Every part is optional; empty strings count as absent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    /// Exact account name.
    pub account: Option<String>,
    /// A user id or email (email compared without regard to case).
    pub target: Option<String>,
    pub field: Option<Field>,
    pub outcome: Option<Outcome>,
    /// First day included, `YYYY-MM-DD` (UTC).
    pub from: Option<String>,
    /// Last day included, `YYYY-MM-DD` (UTC).
    pub to: Option<String>,
    /// Only records with an id below this (paging to older records).
    pub before: Option<i64>,
    /// Only changes that reached the directory (a user's History).
    pub reached_directory_only: bool,
}

impl AuditFilter {
    /// Reads a filter from query-string parameters (`account`, `target`, `field`, `outcome`,
    /// `from`, `to`, `before`); a value that cannot be understood is an error naming it.
    pub fn from_params<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Self, String> {
        let text = |name: &str| {
            get(name)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let field = match text("field") {
            None => None,
            Some(name) => {
                Some(Field::from_api_name(&name).ok_or_else(|| format!("unknown field `{name}`"))?)
            }
        };
        let outcome = match text("outcome") {
            None => None,
            Some(name) => {
                Some(Outcome::from_name(&name).ok_or_else(|| format!("unknown outcome `{name}`"))?)
            }
        };
        for name in ["from", "to"] {
            if let Some(date) = text(name)
                && parse_date(&date).is_none()
            {
                return Err(format!("`{date}` is not a date (YYYY-MM-DD)"));
            }
        }
        let before = match text("before") {
            None => None,
            Some(value) => Some(
                value
                    .parse::<i64>()
                    .map_err(|_| format!("`{value}` is not a record number"))?,
            ),
        };
        Ok(Self {
            account: text("account"),
            target: text("target"),
            field,
            outcome,
            from: text("from"),
            to: text("to"),
            before,
            reached_directory_only: false,
        })
    }

    /// The filter as query-string parameters (without `before`), for links and exports.
    pub fn to_query(&self) -> String {
        let pairs = [
            ("account", self.account.as_deref()),
            ("target", self.target.as_deref()),
            ("field", self.field.map(Field::api_name)),
            ("outcome", self.outcome.map(Outcome::name)),
            ("from", self.from.as_deref()),
            ("to", self.to.as_deref()),
        ];
        pairs
            .into_iter()
            .filter_map(|(name, value)| {
                value.map(|v| format!("{name}={}", super::percent_encode(v, b"")))
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The time range in Unix milliseconds: `[from, until)`.
    pub fn time_range_ms(&self) -> (Option<i64>, Option<i64>) {
        const DAY_MS: i64 = 86_400_000;
        let day = |date: &Option<String>| date.as_deref().and_then(parse_date);
        (
            day(&self.from).map(|d| d * DAY_MS),
            day(&self.to).map(|d| (d + 1) * DAY_MS),
        )
    }
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date.
fn parse_date(text: &str) -> Option<i64> {
    let mut parts = text.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    let year: i64 = year.parse().ok()?;
    let month: u32 = month.parse().ok()?;
    let day: u32 = day.parse().ok()?;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days_in_month)
        .contains(&day)
        .then(|| days_from_civil(year, month, day))
}

/// One page of the log, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub records: Vec<AuditRecord>,
    /// The `before` of the next, older page, if there is one.
    pub older: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<&'a str> {
        move |name| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }

    #[test]
    fn outcome_names_round_trip() {
        for outcome in Outcome::ALL {
            assert_eq!(Outcome::from_name(outcome.name()), Some(outcome));
            let json = serde_json::to_value(outcome).expect("json");
            assert_eq!(json, outcome.name(), "exports use the same names");
        }
        assert_eq!(Outcome::from_name("deleted"), None);
    }

    #[test]
    fn a_filter_reads_and_writes_its_query() {
        let filter = AuditFilter::from_params(params(&[
            ("account", "admin"),
            ("target", "jane.doe@demo.example.com"),
            ("field", "JobTitle"),
            ("outcome", "saved"),
            ("from", "2026-11-01"),
            ("to", ""),
        ]))
        .expect("valid");
        assert_eq!(filter.field, Some(Field::JobTitle));
        assert_eq!(filter.outcome, Some(Outcome::Saved));
        assert_eq!(filter.to, None);
        let again = filter.to_query();
        assert_eq!(
            again,
            "account=admin&target=jane.doe%40demo.example.com&field=JobTitle&outcome=saved\
             &from=2026-11-01"
        );
    }

    #[test]
    fn bad_filter_values_are_named() {
        let error = AuditFilter::from_params(params(&[("field", "Salary")])).expect_err("bad");
        assert!(error.contains("Salary"));
        for date in ["2026-13-01", "2026-02-30", "26-01-01", "yesterday"] {
            let error = AuditFilter::from_params(params(&[("from", date)])).expect_err(date);
            assert!(error.contains(date), "{error}");
        }
        assert!(AuditFilter::from_params(params(&[("outcome", "deleted")])).is_err());
        assert!(AuditFilter::from_params(params(&[("before", "x")])).is_err());
    }

    #[test]
    fn the_time_range_covers_whole_days() {
        let filter = AuditFilter {
            from: Some("1970-01-02".into()),
            to: Some("1970-01-02".into()),
            ..AuditFilter::default()
        };
        assert_eq!(
            filter.time_range_ms(),
            (Some(86_400_000), Some(2 * 86_400_000))
        );
        assert_eq!(parse_date("2024-02-29"), Some(19_782));
        assert_eq!(parse_date("2023-02-29"), None);
    }

    #[test]
    fn record_times_show_seconds() {
        let record = AuditRecord {
            id: 1,
            at_ms: 1_764_363_845_123,
            outcome: Outcome::Saved,
            account: "admin".into(),
            client: None,
            request_id: "r".into(),
            target_id: None,
            target_email: None,
            detail: None,
            changes: Vec::new(),
        };
        assert_eq!(record.time(), "2025-11-28 21:04:05 UTC");
    }

    #[test]
    fn history_readers_get_neither_hidden_values_nor_log_metadata() {
        let change = |field| FieldChange {
            field,
            mode: ValueMode::Value,
            old: Some("a".into()),
            new: Some("b".into()),
        };
        let record = |changes| AuditRecord {
            id: 1,
            at_ms: 0,
            outcome: Outcome::Saved,
            account: "admin".into(),
            client: Some("192.0.2.1".into()),
            request_id: "r".into(),
            target_id: Some("u-1".into()),
            target_email: Some("jane@x".into()),
            detail: Some("why".into()),
            changes,
        };
        let mut policy = crate::domain::Policy::new();
        policy.grant(
            "reader",
            crate::domain::Scope::All,
            Access::Read,
            vec![crate::domain::Attribute::Field(Field::JobTitle)],
        );
        let access = policy.resolve(&["reader".to_owned()], crate::domain::Relation::STRANGER);

        let shown = record(vec![change(Field::JobTitle), change(Field::Telephone)])
            .for_reader(&access, false)
            .expect("a visible change");
        assert_eq!(shown.changes.len(), 1);
        assert_eq!(
            (shown.target_email, shown.client, shown.detail),
            (None, None, None)
        );
        assert!(
            record(vec![change(Field::Telephone)])
                .for_reader(&access, false)
                .is_none(),
            "a change to hidden fields only is not in History"
        );
        let logged = record(vec![change(Field::Telephone)])
            .for_reader(&access, true)
            .expect("kept in the whole log");
        assert!(logged.changes.is_empty());
        assert_eq!(logged.client.as_deref(), Some("192.0.2.1"));
        // A task's record says what it did only to readers who may see the address.
        let task = record(Vec::new())
            .for_reader(&access, false)
            .expect("a task stays in History");
        assert_eq!(task.detail.as_deref(), Some("A mail and access task"));
        let task = record(Vec::new())
            .for_reader(&UserAccess::everything(), false)
            .expect("a task stays in History");
        assert_eq!(task.detail.as_deref(), Some("why"));
    }

    #[test]
    fn hidden_fields_leave_the_record() {
        let change = |field| FieldChange {
            field,
            mode: ValueMode::Value,
            old: Some("a".into()),
            new: Some("b".into()),
        };
        let record = AuditRecord {
            id: 1,
            at_ms: 0,
            outcome: Outcome::Saved,
            account: "admin".into(),
            client: None,
            request_id: "r".into(),
            target_id: None,
            target_email: None,
            detail: None,
            changes: vec![change(Field::Telephone), change(Field::JobTitle)],
        };
        let visible = record.without_fields(|f| f == Field::Telephone);
        assert_eq!(visible.changes.len(), 1);
        assert_eq!(visible.changes[0].field, Field::JobTitle);
    }
}
