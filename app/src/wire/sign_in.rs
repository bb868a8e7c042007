//! The sign-in page's contract: how one may sign in here, and why the last attempt failed, as
//! the server's sign-in handlers give them to the page they render.

/// How people sign in to this portal (the server provides it to every page).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignInOptions {
    /// The identity provider's name on the single sign-on button; `None`: no single sign-on.
    pub sso_name: Option<String>,
    /// Whether the password form is offered.
    pub local: bool,
    /// Whether the identity provider has answered (discovery done); if not, the page says so
    /// and the button tries again.
    pub sso_ready: bool,
    /// The origin sign-out may continue to (the provider's end-session endpoint): the pages'
    /// Content-Security-Policy lets forms go there.
    pub sign_out_origin: Option<String>,
}

impl Default for SignInOptions {
    fn default() -> Self {
        Self {
            sso_name: None,
            local: true,
            sso_ready: false,
            sign_out_origin: None,
        }
    }
}

/// Why the last sign-in did not work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginProblem {
    /// Wrong name or password, or a disabled account: deliberately not said which.
    Failed,
    /// Too many failed attempts for this account or from this address.
    TooManyAttempts,
    /// Sign-in with a password is turned off here.
    LocalSignInOff,
    /// The identity provider could not be reached.
    SsoUnavailable,
    /// The person cancelled at the identity provider, or it refused them.
    SsoDenied,
    /// The provider's answer could not be used: an expired or replayed sign-in link, a state
    /// that does not match, a token that failed verification.
    SsoFailed,
    /// The provider vouched for the person, but nothing gives them a portal role.
    NoPortalRole,
    /// The person's portal account is disabled.
    AccountDisabled,
    /// A confirmation of identity for a sensitive change did not prove it.
    NotConfirmed,
}

impl LoginProblem {
    /// The sentence for the person.
    pub const fn message(self) -> &'static str {
        match self {
            LoginProblem::Failed => "Sign-in failed.",
            LoginProblem::TooManyAttempts => {
                "Too many failed sign-in attempts. Wait a few minutes, then try again."
            }
            LoginProblem::LocalSignInOff => {
                "Signing in with a portal password is turned off here. Use single sign-on."
            }
            LoginProblem::SsoUnavailable => {
                "Single sign-on is unavailable: the identity provider is not answering. Try \
                 again in a moment."
            }
            LoginProblem::SsoDenied => {
                "The identity provider did not sign you in (the sign-in was cancelled or \
                 refused)."
            }
            LoginProblem::SsoFailed => {
                "Single sign-on did not complete: the sign-in link had expired or was already \
                 used, or the identity provider's answer could not be verified. Start again."
            }
            LoginProblem::NoPortalRole => {
                "You signed in at the identity provider, but none of your groups gives you a \
                 role in this portal. Ask an administrator to add you to a portal group."
            }
            LoginProblem::AccountDisabled => {
                "Your portal account is disabled. Ask an administrator to enable it."
            }
            LoginProblem::NotConfirmed => {
                "That did not confirm it's you: enter your own password (at your identity \
                 provider too, when it asks), then try again."
            }
        }
    }

    /// The HTTP status of the page that reports it.
    pub const fn status(self) -> u16 {
        match self {
            LoginProblem::Failed => 401,
            LoginProblem::TooManyAttempts => 429,
            LoginProblem::LocalSignInOff
            | LoginProblem::SsoDenied
            | LoginProblem::NoPortalRole
            | LoginProblem::AccountDisabled
            | LoginProblem::NotConfirmed => 403,
            LoginProblem::SsoUnavailable => 503,
            LoginProblem::SsoFailed => 400,
        }
    }
}

/// What the form shows again after a failed attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginAttempt {
    pub login: String,
    pub problem: LoginProblem,
}
