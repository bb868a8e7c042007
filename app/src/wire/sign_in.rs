//! The sign-in form's contract: why the last attempt failed, as the server's sign-in handler
//! gives it to the page it renders again.

/// Why the last sign-in did not work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginProblem {
    /// Wrong name or password, or a disabled account: deliberately not said which.
    Failed,
    /// Too many failed attempts for this account or from this address.
    TooManyAttempts,
}

impl LoginProblem {
    /// The sentence for the person.
    pub const fn message(self) -> &'static str {
        match self {
            LoginProblem::Failed => "Sign-in failed.",
            LoginProblem::TooManyAttempts => {
                "Too many failed sign-in attempts. Wait a few minutes, then try again."
            }
        }
    }

    /// The HTTP status of the page that reports it.
    pub const fn status(self) -> u16 {
        match self {
            LoginProblem::Failed => 401,
            LoginProblem::TooManyAttempts => 429,
        }
    }
}

/// What the form shows again after a failed attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginAttempt {
    pub login: String,
    pub problem: LoginProblem,
}
