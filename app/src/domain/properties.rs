//! Properties of the pure rules, checked on generated inputs: what must hold for every form,
//! every directory state and every policy, not just the examples in the unit tests.

use super::{
    Access, Attribute, Field, FieldValues, Policy, Relation, Scope, derive_changes, plan_save,
    rebase,
};
use proptest::prelude::*;

/// A few values per field, so that generated forms often agree and often differ.
fn values() -> impl Strategy<Value = FieldValues> {
    prop::collection::vec(0..3usize, Field::ALL.len()).prop_map(|picks| {
        let mut values = FieldValues::new();
        for (field, pick) in Field::ALL.into_iter().zip(picks) {
            let value = match field {
                Field::Role => ["USER", "REMOTE_USER", "USER"][pick],
                Field::HiddenFromGlobalAddressList => ["false", "true", "false"][pick],
                _ => ["", "a", "b"][pick],
            };
            values.set(field, value);
        }
        values
    })
}

fn access() -> impl Strategy<Value = Access> {
    prop_oneof![Just(Access::Hidden), Just(Access::Read), Just(Access::Edit)]
}

fn scope() -> impl Strategy<Value = Scope> {
    prop_oneof![Just(Scope::Own), Just(Scope::Department), Just(Scope::All)]
}

/// A policy of one role, "r", with up to four grants over random fields.
fn policy() -> impl Strategy<Value = Policy> {
    let grant = (
        scope(),
        access(),
        prop::collection::vec(0..Field::ALL.len(), 0..6),
    );
    prop::collection::vec(grant, 0..4).prop_map(|grants| {
        let mut policy = Policy::new();
        policy.declare_role("r");
        for (scope, access, fields) in grants {
            let attributes = fields
                .into_iter()
                .map(|i| Attribute::Field(Field::ALL[i]))
                .collect();
            policy.grant("r", scope, access, attributes);
        }
        policy
    })
}

fn relation() -> impl Strategy<Value = Relation> {
    (any::<bool>(), any::<bool>()).prop_map(|(is_self, same_department)| Relation {
        is_self,
        same_department,
    })
}

proptest! {
    /// The change set is exactly the difference: applied to the loaded values it gives the
    /// edited ones.
    #[test]
    fn derive_then_apply_gives_the_edited_values(loaded in values(), edited in values()) {
        let mut applied = loaded.clone();
        for change in derive_changes(&loaded, &edited) {
            prop_assert_eq!(loaded.get(change.field), change.from.as_str());
            applied.set(change.field, change.to);
        }
        prop_assert_eq!(applied, edited);
    }

    /// No lost update: a planned save, applied to what the directory holds, keeps every change
    /// someone else made and makes every change the person made; a conflict is only ever a
    /// field both changed to different values.
    #[test]
    fn a_plan_loses_no_ones_change(loaded in values(), edited in values(), current in values()) {
        match plan_save(&loaded, &edited, &current) {
            Ok(plan) => {
                let mut after = current.clone();
                for change in &plan.to_send {
                    prop_assert_eq!(current.get(change.field), loaded.get(change.field));
                    after.set(change.field, change.to.clone());
                }
                for field in Field::ALL {
                    let mine = !loaded.same(&edited, field);
                    let expected = if mine { edited.get(field) } else { current.get(field) };
                    prop_assert_eq!(after.get(field), expected, "{:?}", field);
                }
            }
            Err(conflicts) => {
                prop_assert!(!conflicts.is_empty());
                for conflict in conflicts {
                    let field = conflict.field;
                    prop_assert!(!loaded.same(&edited, field) && !loaded.same(&current, field));
                    prop_assert!(!current.same(&edited, field));
                }
            }
        }
    }

    /// The form after a conflict carries the person's changes over what the directory holds,
    /// and nothing else of theirs.
    #[test]
    fn rebasing_keeps_exactly_the_persons_changes(
        loaded in values(), edited in values(), current in values()
    ) {
        let rebased = rebase(&loaded, &edited, &current);
        for field in Field::ALL {
            let expected = if loaded.same(&edited, field) { current.get(field) } else { edited.get(field) };
            prop_assert_eq!(rebased.get(field), expected);
        }
    }

    /// Whatever the policy: a save the policy lets through changes only fields the principal
    /// may edit, and a refusal names a field that was changed and may not be edited.
    #[test]
    fn a_save_never_sends_a_field_the_policy_does_not_let_the_principal_edit(
        policy in policy(), relation in relation(), loaded in values(), edited in values()
    ) {
        let roles = vec!["r".to_owned()];
        let access = policy.resolve(&roles, relation);
        let changes = derive_changes(&loaded, &edited);
        match access.forbidden_change(&changes) {
            None => {
                for change in &changes {
                    prop_assert_eq!(access.field(change.field), Access::Edit);
                }
            }
            Some(field) => {
                prop_assert!(changes.iter().any(|c| c.field == field));
                prop_assert_ne!(access.field(field), Access::Edit);
            }
        }
        // And no save can move an account's own department where its scope follows it.
        if relation.is_self && policy.scope_follows_department(&roles) {
            prop_assert_ne!(access.field(Field::Department), Access::Edit);
        }
    }
}
