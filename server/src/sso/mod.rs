//! Single sign-on with OpenID Connect: the settings, the provider (discovery, keys, tokens),
//! and the two routes a sign-in takes: `/auth/oidc/login` sends the browser to the provider,
//! `/auth/oidc/callback` takes it back, verifies what the provider says, and signs the person
//! in (creating their account the first time) or confirms who they are for a sensitive change.

mod provider;
mod settings;

pub use provider::{Identity, OidcProvider, PendingAuthorization, SsoError};
pub use settings::SsoSettings;

use crate::auth::session::{PortalSession, SsoSession, credentials_fingerprint, unix_now};
use crate::auth::{ClientAddress, record, render_login};
use crate::state::AppState;
use crate::store::{SsoIdentity, SsoSignIn};
use app::domain::{Outcome, Principal};
use app::ports::DirectoryErrorKind;
use app::routes::{login_url, safe_next};
use app::session::RequestOrigin;
use app::wire::{LoginAttempt, LoginProblem};
use axum::Extension;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

/// How long the browser may take at the provider before the sign-in must start again.
const PENDING_SECONDS: u64 = 600;
/// How far the provider's clock may be behind the portal's when it says when someone
/// authenticated.
const CLOCK_SKEW_SECONDS: u64 = 30;

/// A sign-in under way, kept in the session until the browser comes back.
#[derive(Debug, Serialize, Deserialize)]
struct PendingSso {
    authorization: PendingAuthorization,
    /// Where to go afterwards.
    next: String,
    /// A confirmation of identity by someone signed in, not a sign-in.
    confirm: bool,
    /// When the browser was sent to the provider (Unix seconds).
    started_at: u64,
}

#[derive(Deserialize)]
pub struct StartQuery {
    next: Option<String>,
    confirm: Option<String>,
}

/// `GET /auth/oidc/login`: sends the browser to the identity provider. With `confirm`, the
/// signed-in person must authenticate there again (`prompt=login`, `max_age=0`).
pub async fn start(
    State(state): State<AppState>,
    session: Session,
    principal: Option<Extension<Principal>>,
    headers: HeaderMap,
    Query(query): Query<StartQuery>,
) -> Response {
    let Some(provider) = state.auth.sso.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let next = safe_next(query.next.as_deref());
    let confirm = query.confirm.is_some();
    if confirm && principal.is_none() {
        return Redirect::to(&login_url(&next)).into_response();
    }
    let (url, authorization) = match provider.authorization(confirm).await {
        Ok(found) => found,
        Err(error) => {
            tracing::warn!(%error, "single sign-on could not start");
            return problem_page(&state, headers, next, LoginProblem::SsoUnavailable).await;
        }
    };
    let pending = PendingSso {
        authorization,
        next,
        confirm,
        started_at: unix_now(),
    };
    if let Err(error) = PortalSession(session).begin_sso(&pending).await {
        tracing::error!(%error, "cannot keep a single sign-on under way in the session");
        return (StatusCode::INTERNAL_SERVER_ERROR, "Cannot start a session.").into_response();
    }
    Redirect::to(&url).into_response()
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    /// RFC 9207: the issuer of the answer, when the provider says.
    iss: Option<String>,
}

/// `GET /auth/oidc/callback`: the provider's answer. Only the session that started the
/// sign-in can finish it, once.
pub async fn callback(
    State(state): State<AppState>,
    session: Session,
    ClientAddress(address): ClientAddress,
    Extension(origin): Extension<RequestOrigin>,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let Some(provider) = state.auth.sso.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let session = PortalSession(session);
    let issuer = provider.settings().issuer.clone();
    let pending: Option<PendingSso> = session.take_sso().await.unwrap_or_else(|error| {
        tracing::warn!(%error, "unreadable single sign-on in the session");
        None
    });
    let Some(pending) = pending else {
        // Nothing was started here (or it was finished already): not worth an audit record,
        // or anyone could fill the log with them.
        tracing::info!(
            ?address,
            "single sign-on answer without a sign-in under way"
        );
        return problem_page(&state, headers, "/".to_owned(), LoginProblem::SsoFailed).await;
    };
    let refuse = async |problem: LoginProblem, account: &str, reason: &str| {
        let outcome = if pending.confirm {
            Outcome::ConfirmationFailed
        } else {
            Outcome::SignInFailed
        };
        tracing::info!(account, ?address, reason, "single sign-on refused");
        let detail = format!("single sign-on ({issuer}): {reason}");
        record(&state, &origin, outcome, account, Some(&detail)).await;
        problem_page(&state, headers.clone(), pending.next.clone(), problem).await
    };
    const SOMEONE: &str = "(single sign-on)";
    if unix_now().saturating_sub(pending.started_at) > PENDING_SECONDS {
        return refuse(
            LoginProblem::SsoFailed,
            SOMEONE,
            "the sign-in took too long",
        )
        .await;
    }
    if !same_secret(query.state.as_deref(), &pending.authorization.state) {
        return refuse(LoginProblem::SsoFailed, SOMEONE, "the state does not match").await;
    }
    if let Some(error) = query.error.as_deref() {
        let problem = if error == "access_denied" {
            LoginProblem::SsoDenied
        } else {
            LoginProblem::SsoFailed
        };
        let reason = format!("the provider answered `{}`", printable(error));
        return refuse(problem, SOMEONE, &reason).await;
    }
    if query.iss.as_deref().is_some_and(|iss| iss != issuer) {
        return refuse(
            LoginProblem::SsoFailed,
            SOMEONE,
            "an answer from another issuer",
        )
        .await;
    }
    let Some(code) = query.code.as_deref() else {
        return refuse(LoginProblem::SsoFailed, SOMEONE, "no code in the answer").await;
    };
    let identity = match provider.complete(&pending.authorization, code).await {
        Ok(identity) => identity,
        Err(error) => {
            let problem = match error {
                SsoError::Unavailable(_) => LoginProblem::SsoUnavailable,
                SsoError::CodeRefused(_) | SsoError::InvalidToken(_) => LoginProblem::SsoFailed,
            };
            // The provider's words may echo what the browser sent.
            let reason: String = error
                .to_string()
                .chars()
                .filter(|c| !c.is_control())
                .take(200)
                .collect();
            return refuse(problem, SOMEONE, &reason).await;
        }
    };
    if pending.confirm {
        return confirm(&state, &session, &origin, &identity, &pending, refuse).await;
    }
    let Some(roles) = provider.settings().roles_for(&identity.role_values) else {
        let account = format!("SSO subject {}", printable(&identity.subject));
        return refuse(LoginProblem::NoPortalRole, &account, "no portal role").await;
    };
    let sign_in = SsoSignIn {
        identity: SsoIdentity {
            issuer: identity.issuer.clone(),
            subject: identity.subject.clone(),
        },
        // Only a verified address names the account: another claim may be the person's to
        // choose (and could take `admin`, or someone else's address).
        wanted_login: identity.email.clone().filter(|_| identity.email_verified),
        roles,
        workmail_user: own_workmail_user(&state, &identity).await,
    };
    let account = match state.auth.accounts.sign_in_sso(&sign_in).await {
        Ok(account) => account,
        Err(error) => {
            tracing::error!(%error, "cannot record a single sign-on account");
            let next = pending.next.clone();
            return problem_page(&state, headers.clone(), next, LoginProblem::SsoUnavailable).await;
        }
    };
    if !account.enabled {
        return refuse(
            LoginProblem::AccountDisabled,
            &account.login,
            "the account is disabled",
        )
        .await;
    }
    let sso = SsoSession {
        subject: identity.subject.clone(),
        id_token: identity.id_token.clone(),
    };
    let credentials = credentials_fingerprint(&account);
    // The provider may have signed the person in from its own older session: the step-up
    // window counts from when it says they authenticated.
    let authenticated_at = identity.auth_time.unwrap_or(0).min(unix_now());
    if let Err(error) = session
        .sign_in(account.id, credentials, Some(sso), authenticated_at)
        .await
    {
        tracing::error!(%error, "cannot start a session");
        return (StatusCode::INTERNAL_SERVER_ERROR, "Cannot start a session.").into_response();
    }
    tracing::info!(login = account.login, "signed in with single sign-on");
    let detail = format!("single sign-on ({issuer})");
    record(
        &state,
        &origin,
        Outcome::SignedIn,
        &account.login,
        Some(&detail),
    )
    .await;
    Redirect::to(&pending.next).into_response()
}

/// The end of a confirmation: the provider must have authenticated the same person after the
/// portal asked (a provider that ignored `prompt=login` fails here).
async fn confirm(
    state: &AppState,
    session: &PortalSession,
    origin: &RequestOrigin,
    identity: &Identity,
    pending: &PendingSso,
    refuse: impl AsyncFnOnce(LoginProblem, &str, &str) -> Response,
) -> Response {
    let signed_in = match session.auth().await {
        Ok(Some(signed_in)) => signed_in,
        _ => return Redirect::to(&login_url(&pending.next)).into_response(),
    };
    let account = match state.auth.accounts.find_by_id(signed_in.account_id).await {
        Ok(Some(account)) => account.login,
        _ => return Redirect::to(&login_url(&pending.next)).into_response(),
    };
    let same_person = signed_in
        .sso
        .as_ref()
        .is_some_and(|sso| sso.subject == identity.subject);
    if !same_person {
        return refuse(
            LoginProblem::NotConfirmed,
            &account,
            "another person signed in",
        )
        .await;
    }
    let fresh = identity
        .auth_time
        .is_some_and(|at| at + CLOCK_SKEW_SECONDS >= pending.started_at);
    if !fresh {
        return refuse(
            LoginProblem::NotConfirmed,
            &account,
            "the provider did not authenticate the person again",
        )
        .await;
    }
    if let Err(error) = session.confirm_identity(signed_in).await {
        tracing::error!(%error, "cannot note a confirmation in the session");
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Cannot update the session.",
        )
            .into_response();
    }
    let detail = format!("single sign-on ({})", identity.issuer);
    record(
        state,
        origin,
        Outcome::IdentityConfirmed,
        &account,
        Some(&detail),
    )
    .await;
    Redirect::to(&pending.next).into_response()
}

/// The WorkMail user whose address the provider vouches for: `Some(None)` when there is none
/// (or the address is not verified), `None` when the directory could not say (the account's
/// link stays as it was).
async fn own_workmail_user(state: &AppState, identity: &Identity) -> Option<Option<String>> {
    let Some(email) = identity
        .email
        .as_deref()
        .filter(|_| identity.email_verified)
    else {
        return Some(None);
    };
    let email = email.trim().to_lowercase();
    match state.services.directory.describe_user(&email).await {
        Ok(user) => Some(Some(user.email.unwrap_or(email).to_lowercase())),
        Err(error) if error.kind == DirectoryErrorKind::UserNotFound => Some(None),
        Err(error) => {
            tracing::warn!(
                kind = ?error.kind,
                "cannot look up the WorkMail user of a single sign-on; keeping the account's link"
            );
            None
        }
    }
}

/// Whether the `state` that came back is the one sent (compared as digests, so the time taken
/// says nothing of how much matched).
fn same_secret(returned: Option<&str>, sent: &str) -> bool {
    use sha2::{Digest, Sha256};
    returned.is_some_and(|returned| {
        Sha256::digest(returned.as_bytes()) == Sha256::digest(sent.as_bytes())
    })
}

/// A provider-supplied word for the log: printable ASCII, at most 64 characters.
fn printable(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_graphic())
        .take(64)
        .collect()
}

/// The sign-in page with `problem`, leading back to `next`.
async fn problem_page(
    state: &AppState,
    headers: HeaderMap,
    next: String,
    problem: LoginProblem,
) -> Response {
    let attempt = LoginAttempt {
        login: String::new(),
        problem,
    };
    render_login(state.clone(), headers, next, attempt).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_state_sent_matches() {
        assert!(same_secret(Some("abc"), "abc"));
        assert!(!same_secret(Some("abd"), "abc"));
        assert!(!same_secret(Some(""), "abc"));
        assert!(!same_secret(None, "abc"));
    }

    #[test]
    fn provider_words_are_cut_to_printable_ascii() {
        assert_eq!(printable("access_denied"), "access_denied");
        assert_eq!(printable("a\r\nb c\u{202e}"), "abc");
        assert_eq!(printable(&"x".repeat(100)).len(), 64);
    }
}
