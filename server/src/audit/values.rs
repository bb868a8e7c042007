//! How the audit log keeps each field's values: as they are, as a keyed hash, or not at all
//! (`PORTAL_AUDIT_HASHED_FIELDS`, `PORTAL_AUDIT_REDACTED_FIELDS`).

use app::domain::{ChangedValue, Field, FieldChange, ValueMode};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::BTreeMap;

/// Each field's value mode (unlisted fields keep their values), and the hashing key.
#[derive(Clone, Debug, Default)]
pub struct ValueModes {
    modes: BTreeMap<Field, ValueMode>,
    key: Vec<u8>,
}

impl ValueModes {
    /// Hashes `hashed` and redacts `redacted`; a field in both is redacted.
    pub fn new(hashed: &[Field], redacted: &[Field]) -> Self {
        let mut modes = BTreeMap::new();
        for &field in hashed {
            modes.insert(field, ValueMode::Hash);
        }
        for &field in redacted {
            modes.insert(field, ValueMode::Redacted);
        }
        Self {
            modes,
            key: Vec::new(),
        }
    }

    /// The installation's hashing key (from the database, shared by every portal on it).
    pub fn set_key(&mut self, key: &str) {
        self.key = key.as_bytes().to_vec();
    }

    pub fn mode(&self, field: Field) -> ValueMode {
        self.modes.get(&field).copied().unwrap_or_default()
    }

    /// One value as `field`'s mode keeps it. An empty value stays empty in hash mode, so a
    /// cleared field still reads as cleared.
    pub fn keep_value(&self, field: Field, value: &str) -> Option<String> {
        match self.mode(field) {
            ValueMode::Value => Some(value.to_owned()),
            ValueMode::Hash if value.is_empty() => Some(String::new()),
            ValueMode::Hash => Some(self.hash(value)),
            ValueMode::Redacted => None,
        }
    }

    /// One changed field as the audit log keeps it.
    pub fn keep(&self, change: &ChangedValue) -> FieldChange {
        FieldChange {
            field: change.field,
            mode: self.mode(change.field),
            old: self.keep_value(change.field, &change.old),
            new: self.keep_value(change.field, &change.new),
        }
    }

    /// HMAC-SHA-256 under the installation's key, shortened to 128 bits: equal values can be
    /// matched, but a value cannot be guessed from the log without the key.
    /// The keyed hash of `value` (`hmac:` and 32 hex digits).
    pub fn hash(&self, value: &str) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key) else {
            return "hmac:unavailable".to_owned();
        };
        mac.update(value.as_bytes());
        let digest = mac.finalize().into_bytes();
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        format!("hmac:{hex}")
    }
}

/// A fresh random key for hashed values (256 bits, hex).
pub fn new_key() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses a comma-separated list of UpdateUser member names.
pub fn parse_field_list(list: &str) -> Result<Vec<Field>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(|name| Field::from_api_name(name).ok_or_else(|| format!("unknown field `{name}`")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(field: Field, old: &str, new: &str) -> ChangedValue {
        ChangedValue {
            field,
            old: old.into(),
            new: new.into(),
        }
    }

    #[test]
    fn each_mode_keeps_what_it_says() {
        let mut modes = ValueModes::new(&[Field::Telephone], &[Field::Street]);
        modes.set_key("k1");
        let kept = modes.keep(&change(Field::JobTitle, "Engineer", "Lead"));
        assert_eq!(kept.mode, ValueMode::Value);
        assert_eq!(kept.new.as_deref(), Some("Lead"));

        let kept = modes.keep(&change(Field::Telephone, "+1 555 0100", ""));
        assert_eq!(kept.mode, ValueMode::Hash);
        let old = kept.old.expect("hashed");
        assert!(old.starts_with("hmac:") && !old.contains("555"), "{old}");
        assert_eq!(
            kept.new.as_deref(),
            Some(""),
            "a cleared field stays visibly cleared"
        );

        let kept = modes.keep(&change(Field::Street, "1 Main St", "2 Main St"));
        assert_eq!(kept.mode, ValueMode::Redacted);
        assert_eq!((kept.old, kept.new), (None, None));
    }

    #[test]
    fn hashes_match_for_equal_values_and_depend_on_the_key() {
        let mut a = ValueModes::new(&[Field::Telephone], &[]);
        a.set_key("k1");
        let mut b = a.clone();
        b.set_key("k2");
        let one = a.keep_value(Field::Telephone, "+1 555 0100");
        assert_eq!(one, a.keep_value(Field::Telephone, "+1 555 0100"));
        assert_ne!(one, a.keep_value(Field::Telephone, "+1 555 0101"));
        assert_ne!(one, b.keep_value(Field::Telephone, "+1 555 0100"));
    }

    #[test]
    fn field_lists_name_unknown_fields() {
        assert_eq!(
            parse_field_list(" Telephone, Street ,"),
            Ok(vec![Field::Telephone, Field::Street])
        );
        assert!(parse_field_list("Telephone,Salary").is_err_and(|e| e.contains("Salary")));
    }
}
