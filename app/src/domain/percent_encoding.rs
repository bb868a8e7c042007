//! Building URLs from values: one percent-encoder for every place the portal needs one.

/// Percent-encodes `text` for a URL: ASCII letters, digits and `-._~` stay as they are, and so
/// do the bytes in `keep` (those the place in the URL allows, such as `/` in a path).
pub fn percent_encode(text: &str, keep: &[u8]) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) || keep.contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreserved_and_kept_bytes_stay_everything_else_is_encoded() {
        assert_eq!(percent_encode("jane.doe_1~x-y", b""), "jane.doe_1~x-y");
        assert_eq!(percent_encode("a b/c@d", b""), "a%20b%2Fc%40d");
        assert_eq!(percent_encode("a b/c@d", b"/@"), "a%20b/c@d");
        assert_eq!(percent_encode("é", b""), "%C3%A9");
    }
}
