//! SigV4 verification of incoming requests.
//!
//! The canonical request is rebuilt from exactly the headers the client says it signed; the key
//! derivation and the HMAC come from `aws-sigv4`, the crate the AWS SDKs sign with.

use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use axum::http::{HeaderMap, Method, Uri};
use sha2::{Digest, Sha256};
use time::{PrimitiveDateTime, macros::format_description};

use crate::api_error::{ApiError, ErrorKind};

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const SERVICE: &str = "workmail";
/// How far the client's clock may be from ours, as AWS allows.
const MAX_CLOCK_SKEW: Duration = Duration::from_secs(15 * 60);

/// The credentials and region requests must be signed for.
pub struct Verifier {
    access_key_id: String,
    secret_access_key: String,
    region: String,
    /// The signing key only changes with the date, so the last one is kept.
    cached_key: RwLock<Option<(String, Arc<[u8]>)>>,
}

struct Authorization<'a> {
    access_key_id: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

impl Verifier {
    pub fn new(access_key_id: &str, secret_access_key: &str, region: &str) -> Self {
        Self {
            access_key_id: access_key_id.to_owned(),
            secret_access_key: secret_access_key.to_owned(),
            region: region.to_owned(),
            cached_key: RwLock::new(None),
        }
    }

    /// Checks the request's signature against the configured secret.
    pub fn verify(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<(), ApiError> {
        let Some(header) = headers.get("authorization") else {
            return Err(ApiError::new(
                ErrorKind::MissingAuthenticationToken,
                "The request is not signed: send an Authorization header with a SigV4 signature.",
            ));
        };
        let header = header
            .to_str()
            .map_err(|_| incomplete("The Authorization header is not readable text."))?;
        let auth = parse_authorization(header)?;

        if auth.access_key_id != self.access_key_id {
            return Err(ApiError::new(
                ErrorKind::UnrecognizedClient,
                format!(
                    "The access key id {} is not known to this emulator.",
                    auth.access_key_id
                ),
            ));
        }
        let amz_date = header_value(headers, "x-amz-date")
            .ok_or_else(|| incomplete("The request has no X-Amz-Date header."))?;
        let signed_at = parse_amz_date(amz_date)?;
        let skew = match now.duration_since(signed_at) {
            Ok(age) => age,
            Err(ahead) => ahead.duration(),
        };
        if skew > MAX_CLOCK_SKEW {
            return Err(ApiError::new(
                ErrorKind::InvalidSignature,
                format!(
                    "The signature was made at {amz_date}, more than 15 minutes from the emulator's clock."
                ),
            ));
        }
        if !amz_date.starts_with(auth.date) || auth.date.len() != 8 {
            return Err(ApiError::new(
                ErrorKind::InvalidSignature,
                "The credential scope's date does not match X-Amz-Date.",
            ));
        }
        if auth.region != self.region || auth.service != SERVICE {
            return Err(ApiError::new(
                ErrorKind::InvalidSignature,
                format!(
                    "The credential is scoped to {}/{}; this emulator expects {}/{SERVICE}.",
                    auth.region, auth.service, self.region
                ),
            ));
        }
        for required in ["host", "x-amz-date"] {
            if !auth.signed_headers.contains(&required) {
                return Err(incomplete(format!(
                    "SignedHeaders must include {required}."
                )));
            }
        }

        let payload_hash = hex::encode(Sha256::digest(body));
        if let Some(claimed) = header_value(headers, "x-amz-content-sha256")
            && claimed != payload_hash
        {
            return Err(ApiError::new(
                ErrorKind::InvalidSignature,
                "X-Amz-Content-Sha256 does not match the request body.",
            ));
        }
        let canonical_request =
            canonical_request(method, uri, headers, &auth.signed_headers, &payload_hash);
        let scope = format!("{}/{}/{SERVICE}/aws4_request", auth.date, self.region);
        let string_to_sign = format!(
            "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
            hex::encode(Sha256::digest(canonical_request.as_bytes()))
        );
        let key = self.signing_key(auth.date, signed_at);
        let expected = aws_sigv4::sign::v4::calculate_signature(&key, string_to_sign.as_bytes());
        if !constant_time_eq(expected.as_bytes(), auth.signature.as_bytes()) {
            return Err(ApiError::new(
                ErrorKind::InvalidSignature,
                "The request signature does not match the one calculated with the secret key. \
                 Check the secret access key and the signing method.",
            ));
        }
        Ok(())
    }

    fn signing_key(&self, date: &str, signed_at: SystemTime) -> Arc<[u8]> {
        if let Some((cached_date, key)) = self
            .cached_key
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .as_ref()
            && cached_date == date
        {
            return Arc::clone(key);
        }
        let key: Arc<[u8]> = aws_sigv4::sign::v4::generate_signing_key(
            &self.secret_access_key,
            signed_at,
            &self.region,
            SERVICE,
        )
        .as_ref()
        .into();
        *self
            .cached_key
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) =
            Some((date.to_owned(), Arc::clone(&key)));
        key
    }
}

fn incomplete(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorKind::IncompleteSignature, message)
}

fn header_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

fn parse_authorization(header: &str) -> Result<Authorization<'_>, ApiError> {
    let rest = header
        .strip_prefix(ALGORITHM)
        .ok_or_else(|| incomplete(format!("Only {ALGORITHM} signatures are accepted.")))?;
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(value) = part.strip_prefix("Credential=") {
            credential = Some(value);
        } else if let Some(value) = part.strip_prefix("SignedHeaders=") {
            signed_headers = Some(value);
        } else if let Some(value) = part.strip_prefix("Signature=") {
            signature = Some(value);
        }
    }
    let (Some(credential), Some(signed_headers), Some(signature)) =
        (credential, signed_headers, signature)
    else {
        return Err(incomplete(
            "The Authorization header needs Credential, SignedHeaders and Signature.",
        ));
    };
    let parts: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, region, service, terminator] = parts[..] else {
        return Err(incomplete(
            "Credential must read ACCESS_KEY/DATE/REGION/SERVICE/aws4_request.",
        ));
    };
    if terminator != "aws4_request" {
        return Err(incomplete(
            "The credential scope must end with aws4_request.",
        ));
    }
    Ok(Authorization {
        access_key_id,
        date,
        region,
        service,
        signed_headers: signed_headers.split(';').collect(),
        signature,
    })
}

fn parse_amz_date(value: &str) -> Result<SystemTime, ApiError> {
    let format = format_description!("[year][month][day]T[hour][minute][second]Z");
    PrimitiveDateTime::parse(value, format)
        .map(|at| at.assume_utc().into())
        .map_err(|_| {
            incomplete(format!(
                "X-Amz-Date {value} is not of the form YYYYMMDDTHHMMSSZ."
            ))
        })
}

fn canonical_request(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    signed_headers: &[&str],
    payload_hash: &str,
) -> String {
    let mut query: Vec<(&str, &str)> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .collect();
    query.sort_unstable();
    let query = query
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join("&");

    let mut canonical_headers = String::new();
    for name in signed_headers {
        let values: Vec<String> = if *name == "host" && !headers.contains_key("host") {
            uri.authority()
                .map(|authority| vec![authority.to_string()])
                .unwrap_or_default()
        } else {
            headers
                .get_all(*name)
                .iter()
                .map(|value| collapse_spaces(&String::from_utf8_lossy(value.as_bytes())))
                .collect()
        };
        canonical_headers.push_str(name);
        canonical_headers.push(':');
        canonical_headers.push_str(&values.join(","));
        canonical_headers.push('\n');
    }
    let path = if uri.path().is_empty() {
        "/"
    } else {
        uri.path()
    };
    format!(
        "{method}\n{path}\n{query}\n{canonical_headers}\n{}\n{payload_hash}",
        signed_headers.join(";")
    )
}

fn collapse_spaces(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_header_is_parsed() {
        let auth = parse_authorization(
            "AWS4-HMAC-SHA256 Credential=test/20261128/us-east-1/workmail/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date, Signature=abcd",
        )
        .expect("valid header");
        assert_eq!(auth.access_key_id, "test");
        assert_eq!(auth.date, "20261128");
        assert_eq!(auth.signed_headers, ["content-type", "host", "x-amz-date"]);
        assert_eq!(auth.signature, "abcd");
    }

    #[test]
    fn malformed_authorization_is_incomplete() {
        for header in [
            "Basic dGVzdDp0ZXN0",
            "AWS4-HMAC-SHA256 Credential=test/20261128/us-east-1/workmail/aws4_request",
            "AWS4-HMAC-SHA256 Credential=test/x, SignedHeaders=host, Signature=a",
        ] {
            let error = parse_authorization(header).err().expect("refused");
            assert_eq!(error.kind, ErrorKind::IncompleteSignature, "{header}");
        }
    }

    #[test]
    fn amz_date_is_parsed_as_utc() {
        let at = parse_amz_date("20150830T123600Z").expect("valid date");
        let secs = at
            .duration_since(SystemTime::UNIX_EPOCH)
            .expect("after epoch")
            .as_secs();
        assert_eq!(secs, 1_440_938_160);
        assert!(parse_amz_date("2015-08-30").is_err());
    }

    #[test]
    fn header_values_are_trimmed_and_collapsed() {
        assert_eq!(collapse_spaces("  a   b  c "), "a b c");
    }
}
