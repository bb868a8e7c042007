//! The JSON codec of the server functions' answers and errors: JSON, read as text.
//!
//! Leptos reads an island's props with `serde_json::from_str`; server_fn's own JSON codec reads
//! answers with `from_slice`. Each reader is compiled separately for every type it reads, so the
//! browser bundle held two copies of the readers of `ApiError`, `FieldValues` and the rest.
//! Reading answers as text too leaves one. On the wire it is the same `application/json`.

use leptos::serde_json;
use leptos::server_fn::codec::Post;
use leptos::server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType};
use serde::Serialize;
use serde::de::{DeserializeOwned, Error as _};

/// JSON, read with `serde_json::from_str` (see the module's documentation).
pub struct JsonTextEncoding;

/// A server function's answer as JSON in the body of the answer to a `POST`.
pub type JsonText = Post<JsonTextEncoding>;

impl ContentType for JsonTextEncoding {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for JsonTextEncoding {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for JsonTextEncoding {
    type Error = serde_json::Error;

    fn encode(output: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(output).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for JsonTextEncoding {
    type Error = serde_json::Error;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        let text = std::str::from_utf8(&bytes).map_err(serde_json::Error::custom)?;
        serde_json::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{ApiError, ErrorKind};

    #[test]
    fn round_trips_and_refuses_what_is_not_utf8_json() {
        let error = ApiError::new(ErrorKind::Conflict);
        let bytes = <JsonTextEncoding as Encodes<ApiError>>::encode(&error).expect("encodes");
        let back: ApiError = JsonTextEncoding::decode(bytes).expect("decodes");
        assert_eq!(back, error);
        let not_text = Bytes::from_static(&[0xff, 0xfe]);
        assert!(<JsonTextEncoding as Decodes<ApiError>>::decode(not_text).is_err());
    }
}
