//! Change sets and the no-lost-update rules of a save.
//!
//! Three snapshots of the same user meet on save: `loaded` (what the page showed), `edited`
//! (what the person submitted) and `current` (what the directory holds now). The person's
//! changes are the fields where `edited` differs from `loaded`; someone else's changes are the
//! fields where `current` differs from `loaded`. Only a field changed by both, to different
//! values, is a conflict.

use super::field::Field;
use super::values::FieldValues;
use serde::{Deserialize, Serialize};

/// One field's new value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub field: Field,
    /// The value before the change.
    pub from: String,
    /// The value to write; empty clears the attribute.
    pub to: String,
}

/// A field that the person and someone else both changed, to different values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    pub field: Field,
    /// The value when the page was loaded.
    pub loaded: String,
    /// The value the person submitted.
    pub yours: String,
    /// The value the directory holds now.
    pub theirs: String,
}

/// What a save will do, once it is known to be free of conflicts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SavePlan {
    /// The changes to send to the directory (`from` is the directory's current value).
    pub to_send: Vec<Change>,
    /// Changes of the person that the directory already holds (someone made the same change).
    pub already_applied: Vec<Field>,
    /// Fields someone else changed and the person left alone; they are kept as they are.
    pub kept_from_others: Vec<Field>,
}

impl SavePlan {
    /// Whether nothing needs to be written.
    pub fn is_empty(&self) -> bool {
        self.to_send.is_empty()
    }
}

/// The fields the person changed, in form order.
pub fn derive_changes(loaded: &FieldValues, edited: &FieldValues) -> Vec<Change> {
    Field::ALL
        .into_iter()
        .filter(|&field| !loaded.same(edited, field))
        .map(|field| Change {
            field,
            from: loaded.get(field).to_owned(),
            to: edited.get(field).to_owned(),
        })
        .collect()
}

/// Plans a save against the directory's current values, or returns every conflict.
pub fn plan_save(
    loaded: &FieldValues,
    edited: &FieldValues,
    current: &FieldValues,
) -> Result<SavePlan, Vec<Conflict>> {
    let mut plan = SavePlan::default();
    let mut conflicts = Vec::new();
    for field in Field::ALL {
        let changed_by_person = !loaded.same(edited, field);
        let changed_by_others = !loaded.same(current, field);
        match (changed_by_person, changed_by_others) {
            (false, false) => {}
            (false, true) => plan.kept_from_others.push(field),
            (true, true) if current.same(edited, field) => plan.already_applied.push(field),
            (true, true) => conflicts.push(Conflict {
                field,
                loaded: loaded.get(field).to_owned(),
                yours: edited.get(field).to_owned(),
                theirs: current.get(field).to_owned(),
            }),
            (true, false) => plan.to_send.push(Change {
                field,
                from: current.get(field).to_owned(),
                to: edited.get(field).to_owned(),
            }),
        }
    }
    if conflicts.is_empty() {
        Ok(plan)
    } else {
        Err(conflicts)
    }
}

/// The person's edits carried over onto the directory's current values: the fields they
/// changed keep their input, every other field takes the current value. Used after a
/// conflict, so that saving again overwrites only what the person has now seen and chosen.
pub fn rebase(loaded: &FieldValues, edited: &FieldValues, current: &FieldValues) -> FieldValues {
    let mut rebased = current.clone();
    for change in derive_changes(loaded, edited) {
        rebased.set(change.field, change.to);
    }
    rebased
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jane() -> FieldValues {
        FieldValues::new()
            .with(Field::Role, "USER")
            .with(Field::DisplayName, "Jane Doe")
            .with(Field::Telephone, "+1 555 0100")
            .with(Field::JobTitle, "Engineer")
            .with(Field::Department, "R&D")
    }

    #[test]
    fn unchanged_form_has_no_changes() {
        assert!(derive_changes(&jane(), &jane()).is_empty());
        let plan = plan_save(&jane(), &jane(), &jane()).expect("no conflict");
        assert!(plan.is_empty());
        assert_eq!(plan, SavePlan::default());
    }

    #[test]
    fn changes_are_the_fields_that_differ_in_form_order() {
        let edited = jane()
            .with(Field::JobTitle, "Lead")
            .with(Field::Telephone, "+1 555 0199");
        let changes = derive_changes(&jane(), &edited);
        assert_eq!(
            changes,
            vec![
                Change {
                    field: Field::JobTitle,
                    from: "Engineer".into(),
                    to: "Lead".into()
                },
                Change {
                    field: Field::Telephone,
                    from: "+1 555 0100".into(),
                    to: "+1 555 0199".into()
                },
            ]
        );
    }

    #[test]
    fn emptying_a_field_is_a_change_to_empty() {
        let edited = jane().with(Field::Department, "");
        let plan = plan_save(&jane(), &edited, &jane()).expect("no conflict");
        assert_eq!(plan.to_send.len(), 1);
        assert_eq!(plan.to_send[0].field, Field::Department);
        assert_eq!(plan.to_send[0].to, "");
    }

    #[test]
    fn flag_and_role_changes_are_detected() {
        let edited = jane()
            .with(Field::HiddenFromGlobalAddressList, "on")
            .with(Field::Role, "REMOTE_USER");
        let fields: Vec<_> = derive_changes(&jane(), &edited)
            .into_iter()
            .map(|c| c.field)
            .collect();
        assert_eq!(
            fields,
            vec![Field::Role, Field::HiddenFromGlobalAddressList]
        );
    }

    #[test]
    fn someone_elses_change_to_another_field_is_kept_not_a_conflict() {
        let edited = jane().with(Field::Telephone, "+1 555 0199");
        let current = jane().with(Field::Department, "Sales");
        let plan = plan_save(&jane(), &edited, &current).expect("no conflict");
        assert_eq!(plan.kept_from_others, vec![Field::Department]);
        // Only the person's field is sent: Department is not overwritten with the old value.
        assert_eq!(
            plan.to_send,
            vec![Change {
                field: Field::Telephone,
                from: "+1 555 0100".into(),
                to: "+1 555 0199".into()
            }]
        );
    }

    #[test]
    fn same_field_changed_differently_is_a_conflict_with_both_values() {
        let edited = jane()
            .with(Field::JobTitle, "Lead")
            .with(Field::Telephone, "+1 555 0199");
        let current = jane().with(Field::JobTitle, "Manager");
        let conflicts = plan_save(&jane(), &edited, &current).expect_err("conflict");
        assert_eq!(
            conflicts,
            vec![Conflict {
                field: Field::JobTitle,
                loaded: "Engineer".into(),
                yours: "Lead".into(),
                theirs: "Manager".into()
            }]
        );
    }

    #[test]
    fn same_field_changed_to_the_same_value_is_already_applied() {
        let edited = jane().with(Field::JobTitle, "Lead");
        let current = jane().with(Field::JobTitle, "Lead");
        let plan = plan_save(&jane(), &edited, &current).expect("no conflict");
        assert!(plan.is_empty());
        assert_eq!(plan.already_applied, vec![Field::JobTitle]);
    }

    #[test]
    fn clearing_a_field_someone_else_changed_is_a_conflict() {
        let edited = jane().with(Field::Telephone, "");
        let current = jane().with(Field::Telephone, "+44 20 7946 0000");
        assert!(plan_save(&jane(), &edited, &current).is_err());
    }

    #[test]
    fn rebase_keeps_the_persons_input_and_takes_everything_else_from_current() {
        let edited = jane().with(Field::JobTitle, "Lead");
        let current = jane()
            .with(Field::JobTitle, "Manager")
            .with(Field::Department, "Sales");
        let rebased = rebase(&jane(), &edited, &current);
        assert_eq!(rebased.get(Field::JobTitle), "Lead");
        assert_eq!(rebased.get(Field::Department), "Sales");
        // Saving the rebased form against `current` now overwrites only JobTitle.
        let plan = plan_save(&current, &rebased, &current).expect("no conflict");
        assert_eq!(plan.to_send.len(), 1);
        assert_eq!(plan.to_send[0].field, Field::JobTitle);
    }
}
