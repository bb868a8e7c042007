//! The accounts page's forms: `POST /admin/accounts` with a hidden `action` (`create`,
//! `set_roles`, `set_password`, `set_workmail_user`, `unlink_workmail_user`, `enable`,
//! `disable`, `remove`), the account's `login` and the action's fields.
//!
//! The change goes through the `change_account` use case (the right to manage accounts, the
//! audit record) and the accounts' rules; success redirects (303) back to the page, which says
//! what changed; a refusal renders the page with the explanation and the fitting status.

use crate::state::AppState;
use app::domain::{AccountChange, Password};
use app::routes::ACCOUNTS_PATH;
use app::use_cases::Caller;
use app::wire::{AccountChangeRefused, ApiError};
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use http::HeaderMap;

/// Handles a form post of `/admin/accounts`.
pub async fn change_account_form(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let result = match read_change(&pairs) {
        Ok(change) => caller.change_account(&change).await.map(|_| change),
        Err(problem) => Err(ApiError::bad_request(problem)),
    };
    match result {
        Ok(change) => {
            let login = app::domain::percent_encode(&change.account(), b"@");
            Redirect::to(&format!("{ACCOUNTS_PATH}?changed={login}")).into_response()
        }
        Err(error) => {
            crate::page::render_refused(
                state,
                caller,
                headers,
                ACCOUNTS_PATH,
                AccountChangeRefused(error),
            )
            .await
        }
    }
}

/// The change a form post asks for.
fn read_change(pairs: &[(String, String)]) -> Result<AccountChange, String> {
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    let login = value("login").unwrap_or_default().trim().to_owned();
    let roles: Vec<String> = pairs
        .iter()
        .filter(|(key, _)| key == "role")
        .map(|(_, role)| role.trim().to_owned())
        .collect();
    let password = || Password(value("password").unwrap_or_default());
    let action = value("action").unwrap_or_default();
    Ok(match action.as_str() {
        "create" => AccountChange::Create {
            login,
            roles,
            workmail_user: value("workmail_user").filter(|u| !u.trim().is_empty()),
            password: password(),
        },
        "set_roles" => AccountChange::SetRoles { login, roles },
        "set_password" => AccountChange::SetPassword {
            login,
            password: password(),
        },
        "set_workmail_user" => AccountChange::SetWorkmailUser {
            login,
            user: value("workmail_user").filter(|u| !u.trim().is_empty()),
        },
        "unlink_workmail_user" => AccountChange::SetWorkmailUser { login, user: None },
        "enable" | "disable" => AccountChange::SetEnabled {
            login,
            enabled: action == "enable",
        },
        "remove" => AccountChange::Remove { login },
        _ => return Err("The form asked for a change the portal doesn't know.".to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn forms_read_as_changes() {
        let create = read_change(&pairs(&[
            ("action", "create"),
            ("login", " carol "),
            ("password", "long-enough"),
            ("workmail_user", ""),
            ("role", "hr"),
            ("role", "employee"),
        ]))
        .expect("readable");
        assert_eq!(
            create,
            AccountChange::Create {
                login: "carol".into(),
                roles: vec!["hr".into(), "employee".into()],
                workmail_user: None,
                password: Password("long-enough".into()),
            }
        );
        let disable = read_change(&pairs(&[("action", "disable"), ("login", "carol")]));
        assert_eq!(
            disable,
            Ok(AccountChange::SetEnabled {
                login: "carol".into(),
                enabled: false
            })
        );
        assert!(read_change(&pairs(&[("action", "drop-table"), ("login", "x")])).is_err());
        assert!(read_change(&pairs(&[("login", "x")])).is_err());
    }
}
