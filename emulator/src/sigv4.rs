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
        // The operation and the body's type must be covered too, or a captured signature of
        // one operation could be replayed as another.
        for required in ["x-amz-target", "content-type"] {
            if headers.contains_key(required) && !auth.signed_headers.contains(&required) {
                return Err(incomplete(format!(
                    "SignedHeaders must include {required} when the request has it."
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
    let query = canonical_query(uri.query().unwrap_or(""));

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
    let path = canonical_path(uri.path());
    format!(
        "{method}\n{path}\n{query}\n{canonical_headers}\n{}\n{payload_hash}",
        signed_headers.join(";")
    )
}

/// The path as SigV4 signs it for every service but S3: dot segments removed, then the path as
/// sent percent-encoded once more (so `%20` on the wire is `%2520` here).
fn canonical_path(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/').skip(1) {
        match segment {
            "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let ends_with_slash = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    let mut normalized = format!("/{}", segments.join("/"));
    if ends_with_slash && !normalized.ends_with('/') {
        normalized.push('/');
    }
    uri_encode(&normalized, b"/")
}

/// The query as SigV4 signs it: each name and value decoded, encoded again with SigV4's rules,
/// and the pairs sorted by name, then value.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (
                uri_encode(&form_decode(key), b""),
                uri_encode(&form_decode(value), b""),
            )
        })
        .collect();
    pairs.sort_unstable();
    pairs
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// SigV4's encoding: letters, digits and `-_.~` as they are, and the bytes in `keep`; every
/// other byte as `%XX` in upper case.
fn uri_encode(text: &str, keep: &[u8]) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) || keep.contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// A query component decoded as a form: `+` is a space, `%XX` a byte (a malformed escape is
/// kept as it is).
fn form_decode(text: &str) -> String {
    let hex = |byte: u8| char::from(byte).to_digit(16);
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match bytes.get(i..i + 3) {
            Some([b'%', high, low]) => hex(*high).zip(hex(*low)),
            _ => None,
        };
        match (bytes[i], escaped) {
            (_, Some((high, low))) => {
                decoded.push(u8::try_from(high * 16 + low).unwrap_or(b'?'));
                i += 3;
            }
            (b'+', None) => {
                decoded.push(b' ');
                i += 1;
            }
            (byte, None) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
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
    fn paths_and_queries_are_canonical_as_sigv4_says() {
        assert_eq!(canonical_path(""), "/");
        assert_eq!(canonical_path("/"), "/");
        assert_eq!(canonical_path("/a/./b/../c%20d"), "/a/c%2520d");
        assert_eq!(canonical_path("/a/b/"), "/a/b/");
        assert_eq!(canonical_query("b=2&a=1&a=0"), "a=0&a=1&b=2");
        assert_eq!(
            canonical_query("q=x+y&r=%7e%2F&flag"),
            "flag=&q=x%20y&r=~%2F"
        );
        assert_eq!(canonical_query("bad=%zz%é"), "bad=%25zz%25%C3%A9");
    }

    /// A request signed by `aws-sigv4` (the signer of the AWS SDKs), optionally leaving some
    /// headers unsigned.
    fn signed(
        uri: &str,
        unsigned: &[&'static str],
        now: SystemTime,
    ) -> axum::http::Request<Vec<u8>> {
        use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
        let body = br#"{"OrganizationId":"m-1"}"#.to_vec();
        let mut request = axum::http::Request::builder()
            .method("POST")
            .uri(uri)
            .header("host", "127.0.0.1:4566")
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", "WorkMailService.DescribeOrganization")
            .body(body.clone())
            .expect("request");
        let identity =
            aws_sdk_workmail::config::Credentials::new("test", "secret", None, None, "test").into();
        let mut settings = SigningSettings::default();
        settings.excluded_headers = Some(unsigned.iter().map(|h| (*h).into()).collect());
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region("us-east-1")
            .name(SERVICE)
            .time(now)
            .settings(settings)
            .build()
            .expect("params")
            .into();
        let headers = request
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str(), value.to_str().unwrap_or_default()));
        let signable = SignableRequest::new("POST", uri, headers, SignableBody::Bytes(&body))
            .expect("signable");
        let (instructions, _) = sign(signable, &params).expect("signed").into_parts();
        instructions.apply_to_request_http1x(&mut request);
        request
    }

    fn check(request: &axum::http::Request<Vec<u8>>, now: SystemTime) -> Result<(), ApiError> {
        let uri: Uri = request.uri().to_string().parse().expect("uri");
        Verifier::new("test", "secret", "us-east-1").verify(
            &Method::POST,
            &uri,
            request.headers(),
            request.body(),
            now,
        )
    }

    #[test]
    fn what_the_sdks_signer_signs_is_accepted_with_any_path_and_query() {
        let now = SystemTime::now();
        for uri in [
            "http://127.0.0.1:4566/",
            "http://127.0.0.1:4566/a/./b/../c%20d?b=2&a=x+y&a=%7E",
        ] {
            let request = signed(uri, &[], now);
            assert_eq!(check(&request, now).err().map(|e| e.kind), None, "{uri}");
        }
    }

    #[test]
    fn an_unsigned_operation_or_content_type_is_refused_and_a_changed_one_breaks_the_signature() {
        let now = SystemTime::now();
        for unsigned in ["x-amz-target", "content-type"] {
            let request = signed("http://127.0.0.1:4566/", &[unsigned], now);
            let error = check(&request, now).err().map(|e| e.kind);
            assert_eq!(error, Some(ErrorKind::IncompleteSignature), "{unsigned}");
        }
        // Replayed as another operation.
        let mut request = signed("http://127.0.0.1:4566/", &[], now);
        request.headers_mut().insert(
            "x-amz-target",
            axum::http::HeaderValue::from_static("WorkMailService.DeleteUser"),
        );
        let error = check(&request, now).err().map(|e| e.kind);
        assert_eq!(error, Some(ErrorKind::InvalidSignature));
    }

    #[test]
    fn header_values_are_trimmed_and_collapsed() {
        assert_eq!(collapse_spaces("  a   b  c "), "a b c");
    }
}
