//! A save of the edit form, and its result: the same for the hydrated form and the form post.

use crate::domain::{Field, FieldValues, SavePlan};
use serde::{Deserialize, Serialize};

/// A save as the edit form submits it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveRequest {
    /// The user id, user name or email the page was opened with.
    pub user_id: String,
    /// The editable values as the page loaded them.
    pub loaded: FieldValues,
    /// The values in the form when the person pressed Save.
    pub edited: FieldValues,
    /// `version_of(loaded)`, as the page was given it.
    pub version: String,
}

/// The result of a successful save.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveOutcome {
    /// The user as the directory holds it after the save, as far as the form needs it.
    pub profile: SavedProfile,
    /// The fields written.
    pub saved: Vec<Field>,
    /// The person's changes that someone else had already made identically.
    pub already_applied: Vec<Field>,
    /// Fields someone else changed meanwhile, kept as they are.
    pub kept_from_others: Vec<Field>,
}

/// The part of the re-read user the form shows after a save: its editable values (those the
/// account may see). Only this crosses to the browser: the whole profile would cost the
/// browser bundle the code to read it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedProfile {
    pub values: FieldValues,
}

impl SaveOutcome {
    /// Nothing was changed, so nothing was written; `values` are the user's as they are.
    pub fn unchanged(values: FieldValues) -> Self {
        Self {
            profile: SavedProfile { values },
            saved: Vec::new(),
            already_applied: Vec::new(),
            kept_from_others: Vec::new(),
        }
    }

    /// The outcome of carrying out `plan`; `values` are the user's afterwards.
    pub fn from_plan(values: FieldValues, plan: &SavePlan) -> Self {
        Self {
            profile: SavedProfile { values },
            saved: plan.to_send.iter().map(|c| c.field).collect(),
            already_applied: plan.already_applied.clone(),
            kept_from_others: plan.kept_from_others.clone(),
        }
    }
}
