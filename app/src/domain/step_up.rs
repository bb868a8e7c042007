//! Step-up: changes to some fields (by default a user's Role and whether they are hidden from
//! the address book) need a recent proof of identity, not only a session.

use super::change::Change;
use super::field::Field;

/// Which fields need a recent authentication, and how recent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepUp {
    pub fields: Vec<Field>,
    /// How old the last authentication may be, in seconds.
    pub max_age_seconds: u64,
}

impl Default for StepUp {
    /// Role and HiddenFromGlobalAddressList, within five minutes.
    fn default() -> Self {
        Self {
            fields: vec![Field::Role, Field::HiddenFromGlobalAddressList],
            max_age_seconds: 300,
        }
    }
}

impl StepUp {
    /// The first of `changes` that needs a fresher authentication than one at
    /// `authenticated_at` (Unix seconds), at `now`.
    pub fn stale_change(
        &self,
        changes: &[Change],
        authenticated_at: u64,
        now: u64,
    ) -> Option<Field> {
        if now.saturating_sub(authenticated_at) <= self.max_age_seconds {
            return None;
        }
        changes
            .iter()
            .map(|change| change.field)
            .find(|field| self.fields.contains(field))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(field: Field) -> Change {
        Change {
            field,
            from: String::new(),
            to: "x".to_owned(),
        }
    }

    #[test]
    fn only_listed_fields_ask_and_only_after_the_window() {
        let step_up = StepUp::default();
        let role = [change(Field::City), change(Field::Role)];
        assert_eq!(step_up.stale_change(&role, 1_000, 1_300), None, "within");
        assert_eq!(
            step_up.stale_change(&role, 1_000, 1_301),
            Some(Field::Role),
            "past the window"
        );
        let city = [change(Field::City)];
        assert_eq!(step_up.stale_change(&city, 0, 1_000_000), None);
        let hidden = [change(Field::HiddenFromGlobalAddressList)];
        assert_eq!(
            step_up.stale_change(&hidden, 0, 1_000),
            Some(Field::HiddenFromGlobalAddressList)
        );
    }
}
