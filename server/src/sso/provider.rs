//! The OpenID Provider as the portal uses it, through `openidconnect`: discovery (retried
//! while the provider is unreachable), the authorization request (code flow, PKCE S256, state,
//! nonce), the code exchange, and the ID token's verification with a JWKS that is fetched
//! again when a token names a key it does not hold.
//!
//! Nothing here logs a token, a code or the client secret: errors are logged by their
//! description only (the library's error types can carry a response body).

use super::settings::SsoSettings;
use openidconnect::core::{
    CoreAuthPrompt, CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreIdToken,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret,
    CsrfToken, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdToken, IssuerUrl, JsonWebKeySet,
    LogoutRequest, Nonce, PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl,
    ProviderMetadataWithLogout, RedirectUrl, Scope, SignatureVerificationError, TokenResponse,
    reqwest,
};
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// The client as discovery builds it: authorization endpoint known, token and userinfo
/// endpoints as the provider declared them.
type PortalClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Every claim of the ID token, for the roles claim (whose name is a setting).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct OtherClaims(serde_json::Map<String, serde_json::Value>);
impl AdditionalClaims for OtherClaims {}

type PortalIdToken = IdToken<
    OtherClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

/// How long a failed discovery or JWKS fetch keeps the portal from trying again.
const RETRY_AFTER: Duration = Duration::from_secs(10);
/// How long one request to the provider may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Why single sign-on did not complete.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SsoError {
    /// The provider could not be reached or answered nonsense (discovery, JWKS, token).
    #[error("the identity provider is unavailable: {0}")]
    Unavailable(String),
    /// The provider refused the code (expired, replayed, issued to someone else).
    #[error("the identity provider refused the sign-in: {0}")]
    CodeRefused(String),
    /// The ID token failed verification (signature, issuer, audience, expiry, nonce).
    #[error("the ID token is not valid: {0}")]
    InvalidToken(String),
}

/// What the portal keeps between sending the browser to the provider and its return: in the
/// session, never in the URL. Its `Debug` shows none of it.
#[derive(Clone, Serialize, Deserialize)]
pub struct PendingAuthorization {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

impl std::fmt::Debug for PendingAuthorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PendingAuthorization(hidden)")
    }
}

/// Someone the provider vouched for, from a verified ID token. Its `Debug` leaves the token out.
#[derive(Clone, PartialEq, Eq)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub preferred_username: Option<String>,
    /// The values of the roles claim.
    pub role_values: Vec<String>,
    /// When the person last authenticated at the provider (Unix seconds), if it said.
    pub auth_time: Option<u64>,
    /// The ID token itself, kept in the session for the sign-out's `id_token_hint`.
    pub id_token: String,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("issuer", &self.issuer)
            .field("subject", &self.subject)
            .field("email", &self.email)
            .field("email_verified", &self.email_verified)
            .field("role_values", &self.role_values)
            .field("auth_time", &self.auth_time)
            .finish_non_exhaustive()
    }
}

/// What discovery found, and the client built from it.
struct Discovered {
    metadata: ProviderMetadataWithLogout,
    client: PortalClient,
    /// When the JWKS was last fetched again for an unknown key id.
    jwks_refetched: Option<Instant>,
}

/// The OpenID Provider of `PORTAL_OIDC_ISSUER`.
pub struct OidcProvider {
    settings: SsoSettings,
    http: reqwest::Client,
    discovered: RwLock<Option<Arc<Discovered>>>,
    /// The last failed discovery, to wait [`RETRY_AFTER`] before the next.
    failed_at: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for OidcProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcProvider")
            .field("issuer", &self.settings.issuer)
            .finish_non_exhaustive()
    }
}

impl OidcProvider {
    /// A provider not yet discovered; [`OidcProvider::discover`] reaches it.
    pub fn new(settings: SsoSettings) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            // Following redirects would let a provider's answer send the portal anywhere.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| format!("cannot build the HTTP client for single sign-on: {e}"))?;
        Ok(Self {
            settings,
            http,
            discovered: RwLock::new(None),
            failed_at: Mutex::new(None),
        })
    }

    /// The settings it was made with.
    pub fn settings(&self) -> &SsoSettings {
        &self.settings
    }

    /// Reads the provider's configuration and keys; on failure the portal keeps working with
    /// local accounts and tries again at the next SSO sign-in.
    pub async fn discover(&self) -> Result<(), SsoError> {
        let issuer = IssuerUrl::new(self.settings.issuer.clone())
            .map_err(|e| SsoError::Unavailable(format!("the issuer URL is not valid: {e}")))?;
        let discovered = ProviderMetadataWithLogout::discover_async(issuer, &self.http)
            .await
            .map_err(|e| SsoError::Unavailable(error_chain(&e)));
        let metadata = match discovered {
            Ok(metadata) => metadata,
            Err(error) => {
                if let Ok(mut failed_at) = self.failed_at.lock() {
                    *failed_at = Some(Instant::now());
                }
                return Err(error);
            }
        };
        let client = self.client_for(metadata.clone())?;
        self.store(Discovered {
            metadata,
            client,
            jwks_refetched: None,
        });
        Ok(())
    }

    fn client_for(&self, metadata: ProviderMetadataWithLogout) -> Result<PortalClient, SsoError> {
        let redirect = RedirectUrl::new(self.settings.redirect_url.clone())
            .map_err(|e| SsoError::Unavailable(format!("PORTAL_PUBLIC_URL: {e}")))?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(self.settings.client_secret.clone())),
        )
        .set_redirect_uri(redirect))
    }

    fn store(&self, discovered: Discovered) {
        if let Ok(mut slot) = self.discovered.write() {
            *slot = Some(Arc::new(discovered));
        }
    }

    fn cached(&self) -> Option<Arc<Discovered>> {
        self.discovered.read().ok().and_then(|slot| slot.clone())
    }

    /// What discovery found, discovering now if it has not succeeded yet (at most once per
    /// [`RETRY_AFTER`]).
    async fn current(&self) -> Result<Arc<Discovered>, SsoError> {
        if let Some(discovered) = self.cached() {
            return Ok(discovered);
        }
        let recently_failed = self
            .failed_at
            .lock()
            .ok()
            .and_then(|failed_at| *failed_at)
            .is_some_and(|at| at.elapsed() < RETRY_AFTER);
        if recently_failed {
            return Err(SsoError::Unavailable(
                "discovery failed moments ago".to_owned(),
            ));
        }
        self.discover().await?;
        self.cached()
            .ok_or_else(|| SsoError::Unavailable("discovery left nothing".to_owned()))
    }

    /// The URL to send the browser to, and what to keep until it comes back. `fresh` asks the
    /// provider to authenticate the person again whatever its own session (step-up).
    pub async fn authorization(
        &self,
        fresh: bool,
    ) -> Result<(String, PendingAuthorization), SsoError> {
        let discovered = self.current().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = discovered
            .client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in self.settings.scopes.iter().filter(|s| *s != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        if fresh {
            request = request
                .add_prompt(CoreAuthPrompt::Login)
                .set_max_age(Duration::ZERO);
        }
        let (url, state, nonce) = request.url();
        Ok((
            url.to_string(),
            PendingAuthorization {
                state: state.secret().clone(),
                nonce: nonce.secret().clone(),
                pkce_verifier: verifier.secret().clone(),
            },
        ))
    }

    /// Exchanges the code for tokens and verifies the ID token against what was sent.
    pub async fn complete(
        &self,
        pending: &PendingAuthorization,
        code: &str,
    ) -> Result<Identity, SsoError> {
        let discovered = self.current().await?;
        let response = discovered
            .client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| SsoError::Unavailable(format!("no token endpoint: {e}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                openidconnect::RequestTokenError::ServerResponse(refusal) => {
                    SsoError::CodeRefused(refusal.to_string())
                }
                other => SsoError::Unavailable(error_chain(&other)),
            })?;
        let raw = response
            .id_token()
            .map(CoreIdToken::to_string)
            .ok_or_else(|| SsoError::InvalidToken("the token response has no ID token".into()))?;
        let token = PortalIdToken::from_str(&raw)
            .map_err(|e| SsoError::InvalidToken(format!("not a JWT: {e}")))?;
        let nonce = Nonce::new(pending.nonce.clone());
        let claims = match self.verify(&discovered, &token, &nonce) {
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) => {
                // The provider may have rotated its keys since discovery.
                let refreshed = self.refetch_keys(&discovered).await?;
                self.verify(&refreshed, &token, &nonce)
            }
            other => other,
        }
        .map_err(|e| SsoError::InvalidToken(e.to_string()))?;
        let extra = claims.additional_claims();
        Ok(Identity {
            issuer: claims.issuer().to_string(),
            subject: claims.subject().to_string(),
            email: claims.email().map(|e| e.to_string()),
            // Microsoft Entra ID sends no `email_verified`; its `xms_edov` (the address's domain
            // is verified by the tenant) says the same.
            email_verified: claims.email_verified().unwrap_or(false)
                || extra.0.get("xms_edov") == Some(&serde_json::Value::Bool(true)),
            preferred_username: claims.preferred_username().map(|u| u.to_string()),
            role_values: claim_values(&extra.0, &self.settings.roles_claim),
            auth_time: claims
                .auth_time()
                .and_then(|t| u64::try_from(t.timestamp()).ok()),
            id_token: raw,
        })
    }

    fn verify(
        &self,
        discovered: &Discovered,
        token: &PortalIdToken,
        nonce: &Nonce,
    ) -> Result<openidconnect::IdTokenClaims<OtherClaims, CoreGenderClaim>, ClaimsVerificationError>
    {
        let verifier = discovered.client.id_token_verifier().set_allowed_algs([
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
            CoreJwsSigningAlgorithm::RsaSsaPssSha256,
            CoreJwsSigningAlgorithm::RsaSsaPssSha384,
            CoreJwsSigningAlgorithm::RsaSsaPssSha512,
            CoreJwsSigningAlgorithm::EcdsaP256Sha256,
            CoreJwsSigningAlgorithm::EcdsaP384Sha384,
            CoreJwsSigningAlgorithm::EdDsa,
        ]);
        token.claims(&verifier, nonce).cloned()
    }

    /// Fetches the provider's keys again (at most once per [`RETRY_AFTER`]) and keeps them.
    async fn refetch_keys(&self, discovered: &Discovered) -> Result<Arc<Discovered>, SsoError> {
        if discovered
            .jwks_refetched
            .is_some_and(|at| at.elapsed() < RETRY_AFTER)
        {
            return Err(SsoError::InvalidToken(
                "signed with a key the provider does not publish".to_owned(),
            ));
        }
        let keys = JsonWebKeySet::fetch_async(discovered.metadata.jwks_uri(), &self.http)
            .await
            .map_err(|e| SsoError::Unavailable(error_chain(&e)))?;
        tracing::info!(
            keys = keys.keys().len(),
            "fetched the identity provider's keys again"
        );
        let metadata = discovered.metadata.clone().set_jwks(keys);
        let client = self.client_for(metadata.clone())?;
        self.store(Discovered {
            metadata,
            client,
            jwks_refetched: Some(Instant::now()),
        });
        self.cached()
            .ok_or_else(|| SsoError::Unavailable("the keys were not kept".to_owned()))
    }

    /// For every page: whether discovery has succeeded (the sign-in page says when not), and
    /// the origin of the provider's end-session endpoint (sign-out's answer redirects there,
    /// so the pages' `form-action` must allow it). One read of the discovered state.
    pub fn page_facts(&self) -> (bool, Option<String>) {
        let Some(discovered) = self.cached() else {
            return (false, None);
        };
        let sign_out_origin = discovered
            .metadata
            .additional_metadata()
            .end_session_endpoint
            .as_ref()
            .map(|endpoint| endpoint.url().origin().ascii_serialization());
        (true, sign_out_origin)
    }

    /// Where to send the browser after the portal's own sign-out, when the provider offers
    /// RP-initiated logout: its end-session endpoint with the ID token as hint.
    pub fn logout_url(&self, id_token: &str) -> Option<String> {
        let discovered = self.cached()?;
        let endpoint = discovered
            .metadata
            .additional_metadata()
            .end_session_endpoint
            .clone()?;
        let mut request = LogoutRequest::from(endpoint)
            .set_client_id(ClientId::new(self.settings.client_id.clone()));
        if let Ok(token) = CoreIdToken::from_str(id_token) {
            request = request.set_id_token_hint(&token);
        }
        if let Ok(back) = PostLogoutRedirectUrl::new(self.settings.post_logout_url.clone()) {
            request = request.set_post_logout_redirect_uri(back);
        }
        Some(request.http_get_url().to_string())
    }
}

/// An error and its causes, one line (the library's messages are terse at the top).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The string values of `claim` in `claims`: a list of strings or one string. A dotted name
/// reaches into objects (Keycloak's `realm_access.roles`); a key holding the dots itself is
/// found first.
pub fn claim_values(
    claims: &serde_json::Map<String, serde_json::Value>,
    claim: &str,
) -> Vec<String> {
    let value = claims.get(claim).or_else(|| {
        let mut parts = claim.split('.');
        let first = claims.get(parts.next()?)?;
        parts.try_fold(first, |value, part| value.get(part))
    });
    match value {
        Some(serde_json::Value::String(one)) => vec![one.clone()],
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|item| item.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(value: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        value.as_object().cloned().expect("an object")
    }

    #[test]
    fn claim_values_read_lists_single_strings_and_dotted_paths() {
        let token = claims(json!({
            "groups": ["portal-hr", 7, "staff"],
            "role": "portal-admins",
            "realm_access": {"roles": ["portal-helpdesk"]},
            "odd.name": ["dotted-key"],
        }));
        assert_eq!(claim_values(&token, "groups"), ["portal-hr", "staff"]);
        assert_eq!(claim_values(&token, "role"), ["portal-admins"]);
        assert_eq!(
            claim_values(&token, "realm_access.roles"),
            ["portal-helpdesk"]
        );
        assert_eq!(claim_values(&token, "odd.name"), ["dotted-key"]);
        assert!(claim_values(&token, "missing").is_empty());
        assert!(claim_values(&token, "realm_access.missing").is_empty());
    }
}
