//! What every request handler can reach.

use crate::auth::AuthState;
use crate::auth::session::SessionBackend;
use crate::client_address::TrustedProxies;
use crate::origin_check::OwnOrigin;
use crate::security_headers::SecurityHeaders;
use app::session::Services;
use app::wire::SignInOptions;
use axum::extract::FromRef;
use leptos::prelude::*;
use tower_sessions::SessionManagerLayer;

/// The state of the axum application. Handlers that act for the signed-in account take the
/// [`Caller`](app::use_cases::Caller) extractor, which reads [`Services`] from here.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub services: Services,
    pub auth: AuthState,
    pub sessions: SessionManagerLayer<SessionBackend>,
    pub own_origin: OwnOrigin,
    pub security_headers: SecurityHeaders,
    pub trusted_proxies: TrustedProxies,
    /// How people sign in here, for the sign-in page.
    pub sign_in_options: SignInOptions,
    /// What `/readyz` asks, and whether the replica is draining.
    pub health: crate::health::Health,
}

impl AppState {
    /// Provides the services and the sign-in options to the Leptos context of a request
    /// (pages and server functions).
    pub fn provide(&self) {
        provide_context(self.services.clone());
        let (sso_ready, sign_out_origin) = match &self.auth.sso {
            Some(sso) => sso.page_facts(),
            None => (false, None),
        };
        provide_context(SignInOptions {
            sso_ready,
            sign_out_origin,
            ..self.sign_in_options.clone()
        });
    }
}
