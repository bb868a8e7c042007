//! The edit form's contract, shared by the hydrated form and the form posted without
//! JavaScript: the names of its inputs, reading a post into a [`SaveRequest`], the form's state
//! after a refused save, and the notice after a save. Both saves show exactly the same thing
//! because both go through here.

use super::{ApiError, ErrorKind, SaveOutcome, SaveRequest};
use crate::domain::{Access, Field, FieldValues, UserAccess, rebase};
use serde::{Deserialize, Serialize};

/// The name of the hidden input that carries `version_of(loaded)`.
pub const VERSION_INPUT: &str = "version";
/// The prefix of the hidden inputs that carry the values as loaded (`loaded.DisplayName`).
const LOADED_PREFIX: &str = "loaded.";

/// The name of the input that carries `field` as the person edited it: its API member name.
pub fn edited_input(field: Field) -> &'static str {
    field.api_name()
}

/// The name of the hidden input that carries `field` as the page loaded it.
pub fn loaded_input(field: Field) -> String {
    format!("{LOADED_PREFIX}{}", field.api_name())
}

/// Reads a posted form: the edited values under [`edited_input`] names, the values as loaded
/// under [`loaded_input`] names, and the version. A field missing from the form (the role of a
/// system user has no select; a read-only field has no input) keeps its loaded value; the last
/// of repeated names wins (the checkbox follows a hidden `false`).
pub fn read_submission(user: &str, pairs: &[(String, String)]) -> Result<SaveRequest, String> {
    let mut loaded = FieldValues::new();
    let mut edited: Vec<(Field, &str)> = Vec::new();
    let mut version = None;
    for (name, value) in pairs {
        if name == VERSION_INPUT {
            version = Some(value.clone());
        } else if let Some(member) = name.strip_prefix(LOADED_PREFIX) {
            let field =
                Field::from_api_name(member).ok_or_else(|| format!("unknown field {member}"))?;
            loaded.set(field, value.clone());
        } else if let Some(field) = Field::from_api_name(name) {
            edited.push((field, value));
        }
    }
    let version = version.ok_or_else(|| "no version".to_owned())?;
    let mut edited_values = loaded.clone();
    for (field, value) in edited {
        edited_values.set(field, value);
    }
    Ok(SaveRequest {
        user_id: user.to_owned(),
        loaded,
        edited: edited_values,
        version,
    })
}

/// What the form may do with each field: the part of a [`UserAccess`] the edit form needs,
/// as two bit sets over [`Field::ALL`]. It travels in the island's props, so it is kept small:
/// the whole access map cost the browser bundle about 14 KB of deserialisation code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormAccess {
    /// Bit `i` set: `Field::ALL[i]` is shown.
    shown: u16,
    /// Bit `i` set: `Field::ALL[i]` may be changed.
    editable: u16,
    /// Bit `i` set: changing `Field::ALL[i]` needs a recent authentication (step-up).
    #[serde(default)]
    confirm: u16,
}

impl FormAccess {
    /// The form's part of `access`.
    pub fn new(access: &UserAccess) -> Self {
        let mut form = Self::default();
        for (bit, field) in Field::ALL.into_iter().enumerate() {
            match access.field(field) {
                Access::Hidden => {}
                Access::Read => form.shown |= 1 << bit,
                Access::Edit => {
                    form.shown |= 1 << bit;
                    form.editable |= 1 << bit;
                }
            }
        }
        form
    }

    /// The same, marking `fields` as asking for a recent authentication when changed.
    pub fn asking_confirmation(mut self, fields: &[Field]) -> Self {
        for (bit, field) in Field::ALL.into_iter().enumerate() {
            if fields.contains(&field) {
                self.confirm |= 1 << bit;
            }
        }
        self
    }

    /// The editable fields whose change asks the person to confirm it's them.
    pub fn confirmed_fields(self) -> impl Iterator<Item = Field> {
        Field::ALL
            .into_iter()
            .enumerate()
            .filter(move |(bit, _)| self.editable & self.confirm & (1 << bit) != 0)
            .map(|(_, field)| field)
    }

    /// Hidden, read-only or editable.
    pub fn field(self, field: Field) -> Access {
        let Some(bit) = Field::ALL.iter().position(|&f| f == field) else {
            return Access::Hidden;
        };
        if self.editable & (1 << bit) != 0 {
            Access::Edit
        } else if self.shown & (1 << bit) != 0 {
            Access::Read
        } else {
            Access::Hidden
        }
    }

    /// Whether any field may be changed (else the form has no Save button).
    pub fn can_save(self) -> bool {
        self.editable != 0
    }
}

/// What the form starts with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditorState {
    /// The values the person's edits are based on.
    pub loaded: FieldValues,
    /// The values in the inputs.
    pub edited: FieldValues,
    /// A failed save to explain.
    pub error: Option<ApiError>,
    /// A message about the last save.
    pub notice: Option<Notice>,
}

impl EditorState {
    /// A freshly loaded form.
    pub fn fresh(values: FieldValues) -> Self {
        Self {
            loaded: values.clone(),
            edited: values,
            error: None,
            notice: None,
        }
    }

    /// The form after a save of `sent` answered `outcome`, while the person had typed
    /// `typed` meanwhile: the directory's values, with what they typed since kept over them.
    pub fn saved(sent: &FieldValues, typed: &FieldValues, outcome: &SaveOutcome) -> Self {
        let fresh = &outcome.profile.values;
        Self {
            loaded: fresh.clone(),
            edited: rebase(sent, typed, fresh),
            error: None,
            notice: Some(Notice::after_save(outcome)),
        }
    }

    /// The form after `request` was refused with `error`: the person's input stays, over the
    /// directory's current values when the refusal was a conflict. (The hydrated form passes
    /// what is in the inputs now as `request.edited`, so typing during the save is kept.)
    pub fn refused(request: SaveRequest, error: ApiError) -> Self {
        let (loaded, edited) = match (&error.kind, &error.current) {
            (ErrorKind::Conflict, Some(current)) => (
                current.clone(),
                rebase(&request.loaded, &request.edited, current),
            ),
            _ => (request.loaded, request.edited),
        };
        Self {
            loaded,
            edited,
            error: Some(error),
            notice: None,
        }
    }
}

/// A save that was refused, replayed into the page after a form post without JavaScript so
/// that the person's input stays in the form next to the explanation.
#[derive(Clone, Debug)]
pub struct RejectedSave {
    pub request: SaveRequest,
    pub error: ApiError,
}

/// A message about the last save.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Notice {
    /// The save went through.
    Saved {
        /// Written to the directory.
        saved: Vec<Field>,
        /// Changed by the person, but someone else had already made the same change.
        already_applied: Vec<Field>,
        /// Not changed by the person; someone else changed them meanwhile, and they are kept.
        kept_from_others: Vec<Field>,
    },
    /// Save was pressed with nothing changed; nothing was sent.
    NothingToSave,
}

/// The query parameters of the page a post without JavaScript is redirected to after a save.
const SAVED_PARAM: &str = "saved";
const ALREADY_PARAM: &str = "already";
const KEPT_PARAM: &str = "kept";

impl Notice {
    /// The notice after a save that answered `outcome`.
    pub fn after_save(outcome: &SaveOutcome) -> Self {
        Self::of(
            outcome.saved.clone(),
            outcome.already_applied.clone(),
            outcome.kept_from_others.clone(),
        )
    }

    /// The notice of a save that wrote `saved`, found `already_applied` done and kept
    /// `kept_from_others`; nothing written or found done is "nothing to save".
    fn of(saved: Vec<Field>, already_applied: Vec<Field>, kept_from_others: Vec<Field>) -> Self {
        if saved.is_empty() && already_applied.is_empty() {
            return Notice::NothingToSave;
        }
        Notice::Saved {
            saved,
            already_applied,
            kept_from_others,
        }
    }

    /// The sentence for the person.
    pub fn text(&self) -> String {
        match self {
            Notice::NothingToSave => "Nothing to save: no field was changed.".to_owned(),
            Notice::Saved {
                saved,
                already_applied,
                kept_from_others,
            } => {
                let mut text = if saved.is_empty() {
                    "Saved. WorkMail already had these values.".to_owned()
                } else {
                    let mut text = format!("Saved: {}.", labels(saved));
                    if !already_applied.is_empty() {
                        text.push_str(&format!(
                            " WorkMail already had: {}.",
                            labels(already_applied)
                        ));
                    }
                    text
                };
                if !kept_from_others.is_empty() {
                    text.push_str(&format!(
                        " Also updated by someone else meanwhile: {}.",
                        labels(kept_from_others)
                    ));
                }
                text
            }
        }
    }

    /// The query string (without `?`) that carries this notice through the redirect after a
    /// post without JavaScript: `saved=A,B`, plus `already=…` and `kept=…` when not empty.
    pub fn to_query(&self) -> String {
        let Notice::Saved {
            saved,
            already_applied,
            kept_from_others,
        } = self
        else {
            return format!("{SAVED_PARAM}=");
        };
        let mut query = format!("{SAVED_PARAM}={}", names(saved));
        for (param, fields) in [
            (ALREADY_PARAM, already_applied),
            (KEPT_PARAM, kept_from_others),
        ] {
            if !fields.is_empty() {
                query.push_str(&format!("&{param}={}", names(fields)));
            }
        }
        query
    }

    /// The notice a redirect's query carries (`param` reads one parameter); `None` when the
    /// page was not reached by such a redirect.
    pub fn from_query(param: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let saved = param(SAVED_PARAM)?;
        let list = |name: &str| param(name).map(|p| fields(&p)).unwrap_or_default();
        Some(Self::of(
            fields(&saved),
            list(ALREADY_PARAM),
            list(KEPT_PARAM),
        ))
    }
}

fn labels(fields: &[Field]) -> String {
    fields
        .iter()
        .map(|f| f.label())
        .collect::<Vec<_>>()
        .join(", ")
}

fn names(fields: &[Field]) -> String {
    fields
        .iter()
        .map(|f| f.api_name())
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads `DisplayName,Telephone`; unknown names are left out.
fn fields(list: &str) -> Vec<Field> {
    list.split(',')
        .filter_map(|name| Field::from_api_name(name.trim()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn reads_loaded_and_edited_values() {
        let request = read_submission(
            "jane.doe",
            &pairs(&[
                ("version", "abc"),
                ("loaded.JobTitle", "Engineer"),
                ("loaded.Telephone", "1"),
                ("JobTitle", "Lead"),
                ("Telephone", ""),
            ]),
        )
        .expect("readable");
        assert_eq!(request.version, "abc");
        assert_eq!(request.loaded.get(Field::JobTitle), "Engineer");
        assert_eq!(request.edited.get(Field::JobTitle), "Lead");
        assert_eq!(request.edited.get(Field::Telephone), "");
    }

    #[test]
    fn checkbox_after_hidden_false_wins_and_absent_fields_keep_loaded_values() {
        let request = read_submission(
            "u",
            &pairs(&[
                ("version", "v"),
                ("loaded.Role", "SYSTEM_USER"),
                ("loaded.HiddenFromGlobalAddressList", "false"),
                ("HiddenFromGlobalAddressList", "false"),
                ("HiddenFromGlobalAddressList", "true"),
            ]),
        )
        .expect("readable");
        assert!(request.edited.flag(Field::HiddenFromGlobalAddressList));
        assert_eq!(request.edited.get(Field::Role), "SYSTEM_USER");
    }

    #[test]
    fn missing_version_or_unknown_loaded_field_is_unreadable() {
        assert!(read_submission("u", &pairs(&[("JobTitle", "x")])).is_err());
        assert!(read_submission("u", &pairs(&[("version", "v"), ("loaded.UserId", "x")])).is_err());
    }

    #[test]
    fn the_forms_access_is_the_access_it_was_made_from() {
        use crate::domain::{Policy, Relation};
        let policy = Policy::defaults();
        for role in ["admin", "hr", "helpdesk", "employee"] {
            for relation in [
                Relation::STRANGER,
                Relation {
                    is_self: true,
                    same_department: true,
                },
            ] {
                let access = policy.resolve(&[role.to_owned()], relation);
                let form = FormAccess::new(&access).asking_confirmation(&[Field::Role]);
                for field in Field::ALL {
                    assert_eq!(form.field(field), access.field(field), "{role} {field:?}");
                }
                let confirmed: Vec<Field> = form.confirmed_fields().collect();
                if access.field(Field::Role) == Access::Edit {
                    assert_eq!(confirmed, [Field::Role], "{role}");
                } else {
                    assert!(confirmed.is_empty(), "{role}: only editable fields ask");
                }
                assert_eq!(
                    form.can_save(),
                    !access.editable_fields().is_empty(),
                    "{role}"
                );
            }
        }
    }

    #[test]
    fn after_a_save_or_a_conflict_the_typing_meanwhile_is_kept() {
        let loaded = FieldValues::new()
            .with(Field::City, "Oslo")
            .with(Field::Office, "A");
        let sent = loaded.clone().with(Field::City, "Bergen");
        // While the save was under way the person also changed the office.
        let typed = sent.clone().with(Field::Office, "B");
        let fresh = sent.clone().with(Field::Department, "Sales");
        let outcome = SaveOutcome {
            saved: vec![Field::City],
            ..SaveOutcome::unchanged(fresh.clone())
        };
        let saved = EditorState::saved(&sent, &typed, &outcome);
        assert_eq!(saved.loaded, fresh);
        assert_eq!(saved.edited.get(Field::Office), "B");
        assert_eq!(saved.edited.get(Field::Department), "Sales");
        assert_eq!(saved.notice, Some(Notice::after_save(&outcome)));

        let current = loaded.clone().with(Field::City, "Trondheim");
        let conflict = ApiError::conflict(Vec::new(), current.clone());
        let request = SaveRequest {
            user_id: "u".into(),
            loaded: loaded.clone(),
            edited: typed.clone(),
            version: String::new(),
        };
        let refused = EditorState::refused(request, conflict);
        assert_eq!(refused.loaded, current);
        assert_eq!(
            refused.edited.get(Field::City),
            "Bergen",
            "the input is kept"
        );
        assert_eq!(refused.edited.get(Field::Office), "B");
        assert!(refused.error.is_some() && refused.notice.is_none());
    }

    #[test]
    fn input_names_are_what_the_reader_reads() {
        for field in Field::ALL {
            let (before, after) = match field.kind() {
                crate::domain::FieldKind::Flag => ("false", "true"),
                _ => ("before", "after"),
            };
            let request = read_submission(
                "u",
                &pairs(&[
                    (VERSION_INPUT, "v"),
                    (&loaded_input(field), before),
                    (edited_input(field), after),
                ]),
            )
            .expect("readable");
            assert_eq!(request.loaded.get(field), before, "{field:?}");
            assert_eq!(request.edited.get(field), after, "{field:?}");
        }
    }

    fn outcome(saved: &[Field], already: &[Field], kept: &[Field]) -> SaveOutcome {
        SaveOutcome {
            saved: saved.to_vec(),
            already_applied: already.to_vec(),
            kept_from_others: kept.to_vec(),
            ..SaveOutcome::unchanged(Default::default())
        }
    }

    /// What the redirect after a post without JavaScript carries is what the hydrated form
    /// shows after the same save.
    #[test]
    fn the_notice_survives_the_redirect_query() {
        for outcome in [
            outcome(&[], &[], &[]),
            outcome(&[Field::Telephone, Field::JobTitle], &[], &[]),
            outcome(&[Field::City], &[Field::Office], &[Field::Department]),
            outcome(&[], &[Field::Office], &[Field::Department]),
        ] {
            let notice = Notice::after_save(&outcome);
            let query = notice.to_query();
            let param = |name: &str| {
                query.split('&').find_map(|pair| {
                    let (key, value) = pair.split_once('=')?;
                    (key == name).then(|| value.to_owned())
                })
            };
            assert_eq!(Notice::from_query(param), Some(notice), "{query}");
        }
        assert_eq!(Notice::from_query(|_| None), None);
    }

    #[test]
    fn the_notice_names_what_was_saved_already_there_and_kept() {
        let both = outcome(&[Field::City], &[Field::Office], &[Field::Department]);
        assert_eq!(
            Notice::after_save(&both).text(),
            "Saved: City. WorkMail already had: Office. Also updated by someone else \
             meanwhile: Department."
        );
        assert_eq!(
            Notice::after_save(&outcome(&[], &[Field::Office], &[])).text(),
            "Saved. WorkMail already had these values."
        );
        assert_eq!(
            Notice::after_save(&outcome(&[], &[], &[])).text(),
            "Nothing to save: no field was changed."
        );
        assert_eq!(
            Notice::after_save(&outcome(&[Field::Telephone, Field::JobTitle], &[], &[])).to_query(),
            "saved=Telephone,JobTitle"
        );
    }
}
