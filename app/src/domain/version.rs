//! The version of a user's editable values: a short hash the edit page keeps from load to save.

use super::values::FieldValues;

/// A 64-bit FNV-1a hash of every editable value, as 16 hex digits.
///
/// Not a security measure (the server recomputes everything it relies on); it lets the
/// server tell in one comparison whether anything changed since the page was loaded, and
/// check that the "as loaded" values a form sends back are the ones the page was given.
pub fn version_of(values: &FieldValues) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    let mut feed = |bytes: &[u8]| {
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(PRIME);
        }
    };
    for (field, value) in values.iter() {
        // Length-prefixed, so that no two different value sets encode the same bytes.
        feed(field.api_name().as_bytes());
        feed(&(value.len() as u64).to_le_bytes());
        feed(value.as_bytes());
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Field;

    #[test]
    fn equal_values_have_equal_versions() {
        let a = FieldValues::new().with(Field::City, "Berlin");
        let b = FieldValues::new()
            .with(Field::City, "Berlin")
            .with(Field::Office, "");
        assert_eq!(version_of(&a), version_of(&b));
        assert_eq!(version_of(&a).len(), 16);
    }

    #[test]
    fn any_change_changes_the_version() {
        let base = FieldValues::new().with(Field::City, "Berlin");
        let versions = [
            version_of(&base),
            version_of(&base.clone().with(Field::City, "Bern")),
            version_of(&base.clone().with(Field::Office, "Berlin")),
            version_of(
                &base
                    .clone()
                    .with(Field::HiddenFromGlobalAddressList, "true"),
            ),
            version_of(
                &base
                    .clone()
                    .with(Field::City, "")
                    .with(Field::Street, "Berlin"),
            ),
        ];
        for (i, a) in versions.iter().enumerate() {
            for b in &versions[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }
}
