//! The values of the editable fields of one user, as the form and the change rules see them.

use super::field::{Field, FieldKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The value of every editable field, keyed by [`Field`].
///
/// Values are kept as the API writes them: role as its enum text (`USER`), the flag as
/// `"true"`/`"false"`, text verbatim. A field that is absent reads as its empty value, so a
/// directory that drops a cleared attribute and one that returns `""` compare equal.
/// Serialised as a JSON object keyed by API member name.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(from = "BTreeMap<Field, String>")]
pub struct FieldValues(BTreeMap<Field, String>);

/// Written as the map it holds (borrowed: `serde(into)` would copy every value first).
impl Serialize for FieldValues {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl From<BTreeMap<Field, String>> for FieldValues {
    fn from(map: BTreeMap<Field, String>) -> Self {
        let mut values = FieldValues::new();
        for (field, value) in map {
            values.set(field, value);
        }
        values
    }
}

impl FieldValues {
    /// Values with every field at its empty value.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value of `field` (its empty value when unset).
    pub fn get(&self, field: Field) -> &str {
        match self.0.get(&field) {
            Some(value) => value,
            None => field.empty_value(),
        }
    }

    /// Sets `field`, normalising flags to `"true"`/`"false"` (an HTML checkbox sends `on`).
    pub fn set(&mut self, field: Field, value: impl Into<String>) {
        let value = value.into();
        let value = match field.kind() {
            FieldKind::Flag => flag_text(parse_flag(&value)).to_owned(),
            FieldKind::Role | FieldKind::Text => value,
        };
        self.0.insert(field, value);
    }

    /// Builder form of [`FieldValues::set`].
    pub fn with(mut self, field: Field, value: impl Into<String>) -> Self {
        self.set(field, value);
        self
    }

    /// The flag `field` as a boolean.
    pub fn flag(&self, field: Field) -> bool {
        parse_flag(self.get(field))
    }

    /// Every field with its value, in form order.
    pub fn iter(&self) -> impl Iterator<Item = (Field, &str)> + '_ {
        Field::ALL.into_iter().map(move |f| (f, self.get(f)))
    }

    /// Whether `field` has the same value in both.
    pub fn same(&self, other: &FieldValues, field: Field) -> bool {
        self.get(field) == other.get(field)
    }
}

impl PartialEq for FieldValues {
    /// Equal when every field reads the same (absent and empty are the same value).
    fn eq(&self, other: &Self) -> bool {
        Field::ALL.into_iter().all(|f| self.same(other, f))
    }
}

impl Eq for FieldValues {}

/// Reads a flag the way HTML forms and the API write it.
pub fn parse_flag(value: &str) -> bool {
    matches!(value, "true" | "on" | "1")
}

/// The API text of a flag.
pub const fn flag_text(value: bool) -> &'static str {
    if value { "true" } else { "false" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_reads_as_empty_and_compares_equal_to_empty() {
        let empty = FieldValues::new();
        let explicit = FieldValues::new()
            .with(Field::Telephone, "")
            .with(Field::HiddenFromGlobalAddressList, "false");
        assert_eq!(empty.get(Field::Telephone), "");
        assert_eq!(empty.get(Field::HiddenFromGlobalAddressList), "false");
        assert_eq!(empty, explicit);
    }

    #[test]
    fn checkbox_values_normalise() {
        let v = FieldValues::new().with(Field::HiddenFromGlobalAddressList, "on");
        assert_eq!(v.get(Field::HiddenFromGlobalAddressList), "true");
        assert!(v.flag(Field::HiddenFromGlobalAddressList));
        let v = v.with(Field::HiddenFromGlobalAddressList, "nonsense");
        assert_eq!(v.get(Field::HiddenFromGlobalAddressList), "false");
    }

    #[test]
    fn text_is_kept_verbatim() {
        let v = FieldValues::new().with(Field::City, "  Zürich ");
        assert_eq!(v.get(Field::City), "  Zürich ");
    }

    #[test]
    fn serialises_as_object_keyed_by_member_name() {
        let v = FieldValues::new().with(Field::JobTitle, "Engineer");
        let json = serde_json::to_string(&v).expect("serialize");
        assert_eq!(json, r#"{"JobTitle":"Engineer"}"#);
        let back: FieldValues = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, v);
    }

    #[test]
    fn deserialising_normalises_flags_and_rejects_unknown_members() {
        let v: FieldValues =
            serde_json::from_str(r#"{"HiddenFromGlobalAddressList":"on"}"#).expect("deserialize");
        assert!(v.flag(Field::HiddenFromGlobalAddressList));
        assert!(serde_json::from_str::<FieldValues>(r#"{"UserId":"x"}"#).is_err());
    }
}
