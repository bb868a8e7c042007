//! Sign-in, sessions and the check that every request (but the sign-in page and static files)
//! comes from a signed-in, enabled account.

pub mod password;
pub mod rate_limit;
pub mod session;

use crate::sso::OidcProvider;
use crate::state::AppState;
use crate::store::{Account, AccountStore, NewAccount};
use app::domain::{AuditEntry, Outcome, Principal};
use app::routes::{
    API_PREFIX, CONFIRM_PATH, CONFIRMED_URL, HOME_PATH, LOGIN_PATH, LOGOUT_PATH, is_public,
    login_url, safe_next,
};
use app::session::RequestOrigin;
use app::wire::{ApiError, ErrorKind, LoginAttempt, LoginProblem};
use axum::body::Body;
use axum::extract::{FromRequestParts, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use http::request::Parts;
use http::{HeaderMap, Method, Request, StatusCode, Uri};
use password::PasswordCheck;
use rate_limit::{Reservation, SignInLimiter};
use serde::Deserialize;
use session::{PortalSession, SessionAuth, unix_now};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use tower_sessions::Session;

/// What sign-in and the session check need.
#[derive(Clone, Debug)]
pub struct AuthState {
    pub accounts: AccountStore,
    pub passwords: PasswordCheck,
    pub limiter: Arc<SignInLimiter>,
    /// A session ends this long after sign-in, however active.
    pub session_lifetime: Duration,
    /// A session ends this long after its last request.
    pub session_idle_timeout: Duration,
    /// The identity provider, when single sign-on is configured.
    pub sso: Option<Arc<OidcProvider>>,
    /// Whether local accounts may sign in with a password (`PORTAL_LOCAL_SIGNIN`).
    pub local_sign_in: bool,
}

/// The demo accounts of the embedded directory: (login, role, WorkMail user).
pub const DEMO_ACCOUNTS: [(&str, &str, Option<&str>); 4] = [
    ("admin", "admin", None),
    ("hr", "hr", None),
    ("helpdesk", "helpdesk", None),
    ("employee", "employee", Some("jane.doe@demo.example.com")),
];

/// Creates the demo accounts that don't exist yet, with `password`. An existing one is left as
/// it is: a password someone changed since stays changed.
pub async fn ensure_demo_accounts(accounts: &AccountStore, password: &str) -> Result<(), String> {
    for (login, role, user) in DEMO_ACCOUNTS {
        let existing = accounts
            .find_by_login(login)
            .await
            .map_err(|e| e.to_string())?;
        if existing.is_some() {
            continue;
        }
        let owned = password.to_owned();
        let hash = tokio::task::spawn_blocking(move || password::hash_password(&owned))
            .await
            .map_err(|e| e.to_string())??;
        accounts
            .add(NewAccount {
                login: login.to_owned(),
                password_hash: hash,
                roles: vec![role.to_owned()],
                workmail_user: user.map(str::to_owned),
            })
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The client's address, as the request-id layer worked it out (`client_address.rs`: the
/// connecting address, or behind trusted proxies the one they name).
pub struct ClientAddress(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(
            parts
                .extensions
                .get::<RequestOrigin>()
                .and_then(|origin| origin.client.as_deref())
                .and_then(|client| client.parse().ok()),
        ))
    }
}

/// Who the session belongs to cannot be told now; the session is kept.
enum Unavailable {
    /// The session store (Redis, or the database holding sessions) does not answer.
    Sessions,
    /// The portal database does not answer for the session's account.
    Accounts,
}

/// The account of a session, if the session is signed in, within its lifetime, and the
/// account still exists and is enabled. Anything else ends the session, except a store
/// failing to answer: that is not the session's fault, and it is kept.
async fn principal_of(
    auth: &AuthState,
    session: &PortalSession,
) -> Result<Option<Principal>, Unavailable> {
    let signed_in: SessionAuth = match session.auth().await {
        Ok(Some(signed_in)) => signed_in,
        Ok(None) => return Ok(None),
        // The store did not answer; a record it holds but cannot decode is the session's own
        // fault (below: it ends).
        Err(tower_sessions::session::Error::Store(
            tower_sessions::session_store::Error::Backend(error),
        )) => {
            tracing::error!(%error, "cannot read the session store");
            return Err(Unavailable::Sessions);
        }
        Err(error) => {
            tracing::warn!(%error, "unreadable session");
            return Ok(None);
        }
    };
    let authenticated_at = signed_in.last_authentication();
    let single_sign_on = signed_in.sso.is_some();
    let account = if signed_in.is_past(auth.session_lifetime, unix_now()) {
        tracing::info!(
            account_id = signed_in.account_id,
            "session past its lifetime"
        );
        None
    } else {
        match auth.accounts.find_by_id(signed_in.account_id).await {
            // A new password since sign-in ends the session, like disabling the account.
            Ok(account) => account.filter(|a| {
                a.enabled && session::credentials_fingerprint(a) == signed_in.credentials
            }),
            Err(error) => {
                tracing::error!(%error, "cannot read the account of a session");
                return Err(Unavailable::Accounts);
            }
        }
    };
    if account.is_some()
        && let Err(error) = session
            .refresh_if_due(signed_in, auth.session_idle_timeout, unix_now())
            .await
    {
        tracing::warn!(%error, "cannot move the session's idle expiry on");
    }
    match account {
        Some(account) => Ok(Some(Principal {
            account: account.login,
            roles: account.roles,
            workmail_user: account.workmail_user,
            authenticated_at,
            single_sign_on,
        })),
        None => {
            let _ = session.sign_out().await;
            Ok(None)
        }
    }
}

/// The middleware: puts the signed-in account's [`Principal`] into the request, or answers
/// for a request without one: 401 for server functions, a redirect to `/login?next=…`
/// (and back afterwards) for pages and form posts.
pub async fn authenticate(
    State(auth): State<AuthState>,
    mut request: Request<Body>,
    next: Next,
) -> Response {
    let session = request.extensions().get::<Session>().cloned();
    let principal = match session {
        Some(session) => match principal_of(&auth, &PortalSession(session)).await {
            Ok(principal) => principal,
            Err(unavailable) => {
                let message = match unavailable {
                    Unavailable::Accounts => {
                        "The portal's database is not answering. Try again in a moment; you \
                         are still signed in."
                    }
                    Unavailable::Sessions => {
                        "The portal cannot reach its session store. Try again in a moment; \
                         you are still signed in."
                    }
                };
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(http::header::RETRY_AFTER, "5")],
                    message,
                )
                    .into_response();
            }
        },
        None => None,
    };
    if let Some(principal) = principal {
        let account = crate::request_origin::AnsweredFor(principal.account.clone());
        request.extensions_mut().insert(principal);
        let mut response = next.run(request).await;
        response.extensions_mut().insert(account);
        return response;
    }
    let path = request.uri().path();
    if is_public(path) {
        return next.run(request).await;
    }
    if path.starts_with(API_PREFIX) {
        let error = ApiError::new(ErrorKind::Unauthenticated);
        return (
            StatusCode::UNAUTHORIZED,
            [(http::header::CONTENT_TYPE, "application/json")],
            serde_json::to_string(&error).unwrap_or_default(),
        )
            .into_response();
    }
    let back = match *request.method() {
        // A form post can't be replayed after sign-in; come back to the page it was on.
        Method::GET | Method::HEAD => request
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".to_owned()),
        _ if path == LOGOUT_PATH => HOME_PATH.to_owned(),
        _ => path.to_owned(),
    };
    Redirect::to(&login_url(&back)).into_response()
}

/// The sign-in form's fields.
#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

/// `POST /login`: checks the password (as long for unknown accounts as for known ones),
/// counts failures per account and per address, and on success cycles the session id,
/// stores the account and redirects to `next`.
pub async fn sign_in(
    State(state): State<AppState>,
    session: Session,
    ClientAddress(address): ClientAddress,
    Extension(origin): Extension<RequestOrigin>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let auth = &state.auth;
    let login: String = form
        .login
        .trim()
        .to_ascii_lowercase()
        .chars()
        .take(256)
        .collect();
    let next = safe_next(form.next.as_deref());
    let refuse = |problem: LoginProblem| {
        let attempt = LoginAttempt {
            login: login.clone(),
            problem,
        };
        render_login(state.clone(), headers.clone(), next.clone(), attempt)
    };
    if !auth.local_sign_in {
        return refuse(LoginProblem::LocalSignInOff).await;
    }
    // Refused before any work: no database read, no password check.
    let reserved = match reserve_attempt(auth, &login, address).await {
        Ok(reserved) => reserved,
        Err(answer) => return answer,
    };
    let Some(attempt) = reserved else {
        let refusal_to_record = auth.limiter.refusal_to_record(&login, address).await;
        // Only the refusal that is recorded is worth a database read to name it.
        let name = if refusal_to_record {
            logged_name(&state, find_account(auth, &login).await.as_ref(), &login)
        } else {
            state.services.audit.pseudonym(&login)
        };
        tracing::warn!(name, ?address, "sign-in refused: too many failed attempts");
        if refusal_to_record {
            let detail =
                Some("too many failed attempts; further refusals in this window are not recorded");
            record(&state, &origin, Outcome::SignInFailed, &name, detail).await;
        }
        return refuse(LoginProblem::TooManyAttempts).await;
    };
    let account = find_account(auth, &login).await;
    let name = logged_name(&state, account.as_ref(), &login);
    let hash = account.as_ref().map(|a| a.password_hash.clone());
    let password_ok = match auth.passwords.verify(hash, form.password).await {
        Ok(matches) => matches,
        Err(busy) => {
            // Not a guess that was checked: it does not count.
            auth.limiter.give_back(&login, address, attempt).await;
            tracing::warn!(name, ?address, "sign-in refused: {busy}");
            return busy_answer();
        }
    };
    let account = account.filter(|a| password_ok && a.enabled);
    let Some(account) = account else {
        // The reserved attempt stays counted: it failed.
        tracing::info!(name, ?address, "sign-in failed");
        record(&state, &origin, Outcome::SignInFailed, &name, None).await;
        return refuse(LoginProblem::Failed).await;
    };
    auth.limiter.succeeded(&login, address, attempt).await;
    let credentials = session::credentials_fingerprint(&account);
    if let Err(error) = PortalSession(session)
        .sign_in(account.id, credentials, None, 0)
        .await
    {
        tracing::error!(%error, "cannot start a session");
        return (StatusCode::INTERNAL_SERVER_ERROR, "Cannot start a session.").into_response();
    }
    if let Err(error) = auth.accounts.note_sign_in(&account.login).await {
        tracing::warn!(%error, "cannot note the time of a sign-in");
    }
    tracing::info!(login, "signed in");
    record(&state, &origin, Outcome::SignedIn, &account.login, None).await;
    Redirect::to(&next).into_response()
}

/// Counts an attempt for `account` before its password is checked (`None`: over the limits).
/// When Redis, where the replicas count attempts, does not answer, the answer is a 503: no
/// password is checked uncounted.
async fn reserve_attempt(
    auth: &AuthState,
    account: &str,
    address: Option<std::net::IpAddr>,
) -> Result<Option<Reservation>, Response> {
    auth.limiter
        .reserve(account, address)
        .await
        .map_err(|unavailable| {
            tracing::error!(%unavailable, "password not checked: attempts cannot be counted");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(http::header::RETRY_AFTER, "10")],
                "Signing in is unavailable for a moment: the portal cannot reach the store where \
                 it counts sign-in attempts. Try again shortly.",
            )
                .into_response()
        })
}

/// The answer when no password check could start in time: not a guess that was checked.
fn busy_answer() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(http::header::RETRY_AFTER, "5")],
        "The portal is busy checking other sign-ins. Try again in a few seconds.",
    )
        .into_response()
}

/// The account signing in as `login`, if there is one (a database failure reads as none, so
/// the attempt fails like a wrong password).
async fn find_account(auth: &AuthState, login: &str) -> Option<Account> {
    auth.accounts
        .find_by_login(login)
        .await
        .inspect_err(|error| tracing::error!(%error, "cannot read accounts"))
        .ok()
        .flatten()
}

/// What the logs call a sign-in attempt: the account's name, or a keyed hash of a name that is
/// no account's (people type passwords into the name box).
fn logged_name(state: &AppState, account: Option<&Account>, login: &str) -> String {
    match account {
        Some(account) => account.login.clone(),
        None => format!("unknown account {}", state.services.audit.pseudonym(login)),
    }
}

/// `POST /logout`: deletes the session, then shows the sign-in page; after a single sign-on,
/// by way of the provider's end-session endpoint when it has one (RP-initiated logout), so
/// that the provider's session ends too.
pub async fn sign_out(
    State(state): State<AppState>,
    session: Session,
    principal: Option<Extension<Principal>>,
    Extension(origin): Extension<RequestOrigin>,
) -> Response {
    let session = PortalSession(session);
    let provider_logout = match (&state.auth.sso, session.auth().await) {
        (Some(provider), Ok(Some(SessionAuth { sso: Some(sso), .. }))) => {
            provider.logout_url(&sso.id_token)
        }
        _ => None,
    };
    if let Err(error) = session.sign_out().await {
        tracing::error!(%error, "cannot delete a session");
    }
    if let Some(Extension(principal)) = principal {
        record(
            &state,
            &origin,
            Outcome::SignedOut,
            &principal.account,
            None,
        )
        .await;
    }
    Redirect::to(provider_logout.as_deref().unwrap_or(LOGIN_PATH)).into_response()
}

/// The confirmation form's field.
#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    password: String,
}

/// `POST /confirm`: a signed-in portal account proves who it is again with its password, for a
/// sensitive change (step-up). Failures count against the sign-in limits like sign-ins do.
pub async fn confirm_password(
    State(state): State<AppState>,
    session: Session,
    Extension(principal): Extension<Principal>,
    ClientAddress(address): ClientAddress,
    Extension(origin): Extension<RequestOrigin>,
    headers: HeaderMap,
    Form(form): Form<ConfirmForm>,
) -> Response {
    let auth = &state.auth;
    let account_name = principal.account.clone();
    let refuse = |problem: LoginProblem| {
        let mut extensions = http::Extensions::new();
        extensions.insert(principal.clone());
        let attempt = LoginAttempt {
            login: String::new(),
            problem,
        };
        let uri = Uri::from_static(CONFIRM_PATH);
        render_attempt(state.clone(), headers.clone(), uri, extensions, attempt)
    };
    if principal.single_sign_on {
        // Its identity provider confirms it; it has no password here.
        return refuse(LoginProblem::NotConfirmed).await;
    }
    let reserved = match reserve_attempt(auth, &account_name, address).await {
        Ok(reserved) => reserved,
        Err(answer) => return answer,
    };
    let Some(attempt) = reserved else {
        tracing::warn!(
            account = account_name,
            ?address,
            "confirmation refused: too many failed attempts"
        );
        let detail = Some("too many failed attempts");
        record(
            &state,
            &origin,
            Outcome::ConfirmationFailed,
            &account_name,
            detail,
        )
        .await;
        return refuse(LoginProblem::TooManyAttempts).await;
    };
    let hash = find_account(auth, &account_name)
        .await
        .map(|account| account.password_hash);
    match auth.passwords.verify(hash, form.password).await {
        Err(busy) => {
            auth.limiter
                .give_back(&account_name, address, attempt)
                .await;
            tracing::warn!(account = account_name, "confirmation refused: {busy}");
            busy_answer()
        }
        Ok(false) => {
            tracing::info!(account = account_name, ?address, "confirmation failed");
            record(
                &state,
                &origin,
                Outcome::ConfirmationFailed,
                &account_name,
                None,
            )
            .await;
            refuse(LoginProblem::NotConfirmed).await
        }
        Ok(true) => {
            auth.limiter
                .succeeded(&account_name, address, attempt)
                .await;
            let session = PortalSession(session);
            let confirmed = match session.auth().await {
                Ok(Some(signed_in)) => session.confirm_identity(signed_in).await,
                Ok(None) => return Redirect::to(&login_url(CONFIRM_PATH)).into_response(),
                Err(error) => Err(error),
            };
            if let Err(error) = confirmed {
                tracing::error!(%error, "cannot note a confirmation in the session");
                return (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Cannot update the session.",
                )
                    .into_response();
            }
            record(
                &state,
                &origin,
                Outcome::IdentityConfirmed,
                &account_name,
                Some("password"),
            )
            .await;
            Redirect::to(CONFIRMED_URL).into_response()
        }
    }
}

/// Writes the audit record of a sign-in, failed sign-in or sign-out. A failing audit store is
/// logged and does not stop the person (signing in and out changes nothing in the directory).
pub(crate) async fn record(
    state: &AppState,
    origin: &RequestOrigin,
    outcome: Outcome,
    account: &str,
    detail: Option<&str>,
) {
    let entry = AuditEntry {
        outcome: Some(outcome),
        detail: detail.map(str::to_owned),
        ..origin.audit_entry(account)
    };
    if let Err(error) = state.services.audit.record(entry).await {
        tracing::error!(%error, outcome = outcome.name(), "could not write an audit record");
    }
}

/// Renders the sign-in page around a failed attempt, with the fitting status.
pub(crate) async fn render_login(
    state: AppState,
    headers: HeaderMap,
    next: String,
    attempt: LoginAttempt,
) -> Response {
    let uri: Uri = login_url(&next)
        .parse()
        .unwrap_or_else(|_| Uri::from_static(LOGIN_PATH));
    render_attempt(state, headers, uri, http::Extensions::new(), attempt).await
}

/// Renders the page at `uri` (sign-in or confirmation) around a failed attempt, with the
/// fitting status; `extensions` are the request's (the confirmation page reads the account).
async fn render_attempt(
    state: AppState,
    headers: HeaderMap,
    uri: Uri,
    extensions: http::Extensions,
    attempt: LoginAttempt,
) -> Response {
    let status = StatusCode::from_u16(attempt.problem.status()).unwrap_or(StatusCode::UNAUTHORIZED);
    let mut response = crate::page::render_get(state, uri, headers, extensions, move || {
        leptos::prelude::provide_context(attempt.clone())
    })
    .await;
    *response.status_mut() = status;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo accounts are created once; a password changed since survives a restart.
    #[tokio::test]
    async fn demo_accounts_are_created_when_missing_and_left_alone_after() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("portal.sqlite3").display()
        );
        let database = crate::store::open_url(&url).await.expect("database");
        let accounts = AccountStore::new(&database);
        ensure_demo_accounts(&accounts, "first-password")
            .await
            .expect("created");
        let changed = password::hash_password("changed-by-admin").expect("hash");
        accounts
            .set_password_hash("admin", &changed)
            .await
            .expect("changed");
        ensure_demo_accounts(&accounts, "first-password")
            .await
            .expect("checked");
        let admin = accounts
            .find_by_login("admin")
            .await
            .expect("read")
            .expect("admin");
        assert!(password::verify_password(
            &admin.password_hash,
            "changed-by-admin"
        ));
        let hr = accounts
            .find_by_login("hr")
            .await
            .expect("read")
            .expect("hr");
        assert!(password::verify_password(
            &hr.password_hash,
            "first-password"
        ));
    }
}
