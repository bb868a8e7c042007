//! `workmail-portal accounts …`: manages portal accounts in the portal database.
//!
//! ```text
//! workmail-portal accounts add NAME --role ROLE [--role ROLE…] [--workmail-user EMAIL] --password-stdin
//! workmail-portal accounts list
//! workmail-portal accounts set-roles NAME --role ROLE [--role ROLE…]
//! workmail-portal accounts set-password NAME --password-stdin
//! workmail-portal accounts set-workmail-user NAME (EMAIL | --none)
//! workmail-portal accounts disable NAME | enable NAME | remove NAME
//! ```
//! Roles must exist in the policy (`PORTAL_POLICY` or the defaults). The database is the one
//! the server uses (`PORTAL_DATABASE_URL`, or `PORTAL_DATA_DIR/portal.sqlite3`).

use crate::auth::password::{MIN_PASSWORD_CHARS, hash_password};
use crate::config::PortalConfig;
use crate::store::{AccountStore, NewAccount, validate_login};
use std::io::{BufRead, Write};

/// The usage text.
pub const USAGE: &str = "\
usage: workmail-portal                 serve the portal (settings: PORTAL_* variables)
       workmail-portal accounts add NAME --role ROLE [--role ROLE...] [--workmail-user EMAIL] --password-stdin
       workmail-portal accounts list
       workmail-portal accounts set-roles NAME --role ROLE [--role ROLE...]
       workmail-portal accounts set-password NAME --password-stdin
       workmail-portal accounts set-workmail-user NAME (EMAIL | --none)
       workmail-portal accounts disable NAME
       workmail-portal accounts enable NAME
       workmail-portal accounts remove NAME";

/// The options after the account name.
#[derive(Debug, Default, PartialEq, Eq)]
struct Options {
    roles: Vec<String>,
    workmail_user: Option<String>,
    none: bool,
    password_stdin: bool,
    positional: Vec<String>,
}

fn parse_options(args: &[String]) -> Result<Options, String> {
    let mut options = Options::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--role" => {
                let value = args.next().ok_or("--role needs a role name")?;
                options.roles.extend(
                    value
                        .split(',')
                        .map(|r| r.trim().to_owned())
                        .filter(|r| !r.is_empty()),
                );
            }
            "--workmail-user" => {
                let value = args
                    .next()
                    .ok_or("--workmail-user needs an email address")?;
                options.workmail_user = Some(value.trim().to_owned());
            }
            "--none" => options.none = true,
            "--password-stdin" => options.password_stdin = true,
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            value => options.positional.push(value.to_owned()),
        }
    }
    Ok(options)
}

fn read_password(stdin: &mut dyn BufRead) -> Result<String, String> {
    let mut line = String::new();
    stdin
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password from stdin: {e}"))?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!(
            "the password (first line of stdin) must have at least {MIN_PASSWORD_CHARS} characters"
        ));
    }
    Ok(password)
}

/// Runs `accounts <args>`; what it prints goes to `out`.
pub async fn run_accounts(
    args: &[String],
    config: &PortalConfig,
    stdin: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<(), String> {
    let (command, rest) = args.split_first().ok_or_else(|| USAGE.to_owned())?;
    let options = parse_options(rest)?;
    let name = || -> Result<String, String> {
        let name = options
            .positional
            .first()
            .ok_or_else(|| format!("`accounts {command}` needs an account name\n{USAGE}"))?;
        validate_login(name)
    };
    let policy = crate::load_policy(config).map_err(|e| e.to_string())?;
    let check_roles = |roles: &[String]| -> Result<(), String> {
        if roles.is_empty() {
            return Err("give at least one --role".to_owned());
        }
        for role in roles {
            if !policy.has_role(role) {
                let known: Vec<&str> = policy.role_names().collect();
                return Err(format!(
                    "unknown role `{role}` (the policy has: {})",
                    known.join(", ")
                ));
            }
        }
        Ok(())
    };
    if config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            format!(
                "PORTAL_DATA_DIR: cannot create {}: {e}",
                config.data_dir.display()
            )
        })?;
    }
    let database = crate::store::open(config)
        .await
        .map_err(|e| format!("PORTAL_DATABASE_URL: {e}"))?;
    let accounts = AccountStore::new(&database);
    let say = |out: &mut dyn Write, text: String| {
        writeln!(out, "{text}").map_err(|e| format!("cannot write: {e}"))
    };
    let result = async {
        match command.as_str() {
            "add" => {
                let login = name()?;
                check_roles(&options.roles)?;
                if !options.password_stdin {
                    return Err(
                        "give --password-stdin and the password on stdin (never on the command line)"
                            .to_owned(),
                    );
                }
                let password = read_password(stdin)?;
                let password_hash = hash_password(&password)?;
                accounts
                    .add(NewAccount {
                        login: login.clone(),
                        password_hash,
                        roles: options.roles.clone(),
                        workmail_user: options.workmail_user.clone(),
                    })
                    .await
                    .map_err(|e| e.to_string())?;
                say(out, format!("added account {login}"))
            }
            "list" => {
                say(out, format!("{:<24} {:<8} {:<24} workmail user", "name", "enabled", "roles"))?;
                for account in accounts.list().await.map_err(|e| e.to_string())? {
                    say(
                        out,
                        format!(
                            "{:<24} {:<8} {:<24} {}",
                            account.login,
                            if account.enabled { "yes" } else { "no" },
                            account.roles.join(","),
                            account.workmail_user.as_deref().unwrap_or("-")
                        ),
                    )?;
                }
                Ok(())
            }
            "set-roles" => {
                let login = name()?;
                check_roles(&options.roles)?;
                accounts
                    .set_roles(&login, &options.roles)
                    .await
                    .map_err(|e| e.to_string())?;
                say(out, format!("{login}: roles {}", options.roles.join(",")))
            }
            "set-password" => {
                let login = name()?;
                if !options.password_stdin {
                    return Err("give --password-stdin and the password on stdin".to_owned());
                }
                if accounts
                    .find_by_login(&login)
                    .await
                    .map_err(|e| e.to_string())?
                    .is_none()
                {
                    return Err(format!("there is no account named `{login}`"));
                }
                let hash = hash_password(&read_password(stdin)?)?;
                accounts
                    .set_password_hash(&login, &hash)
                    .await
                    .map_err(|e| e.to_string())?;
                say(out, format!("{login}: password changed"))
            }
            "set-workmail-user" => {
                let login = name()?;
                let user = match (options.positional.get(1), options.none) {
                    (Some(email), false) => Some(email.trim().to_owned()),
                    (None, true) => None,
                    _ => return Err("give the WorkMail user's email address, or --none".to_owned()),
                };
                accounts
                    .set_workmail_user(&login, user.clone())
                    .await
                    .map_err(|e| e.to_string())?;
                say(
                    out,
                    format!("{login}: WorkMail user {}", user.as_deref().unwrap_or("none")),
                )
            }
            "disable" | "enable" => {
                let login = name()?;
                let enabled = command == "enable";
                accounts
                    .set_enabled(&login, enabled)
                    .await
                    .map_err(|e| e.to_string())?;
                say(out, format!("{login}: {command}d"))
            }
            "remove" => {
                let login = name()?;
                accounts.remove(&login).await.map_err(|e| e.to_string())?;
                say(out, format!("removed account {login}"))
            }
            other => Err(format!("unknown command `accounts {other}`\n{USAGE}")),
        }
    }
    .await;
    database.pool.close().await;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn options_are_read_in_any_order() {
        let options = parse_options(&args(&[
            "alice",
            "--role",
            "hr,employee",
            "--workmail-user",
            "alice@x",
            "--password-stdin",
        ]))
        .expect("valid");
        assert_eq!(options.positional, ["alice"]);
        assert_eq!(options.roles, ["hr", "employee"]);
        assert_eq!(options.workmail_user.as_deref(), Some("alice@x"));
        assert!(options.password_stdin);
        assert!(parse_options(&args(&["--password", "x"])).is_err());
        assert!(parse_options(&args(&["--role"])).is_err());
    }

    #[tokio::test]
    async fn manages_accounts_end_to_end() {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = PortalConfig {
            data_dir: dir.path().to_path_buf(),
            ..PortalConfig::default()
        };
        let run = |list: &'static [&'static str], stdin: &'static str| {
            let config = config.clone();
            async move {
                let mut out = Vec::new();
                let result =
                    run_accounts(&args(list), &config, &mut stdin.as_bytes(), &mut out).await;
                (result, String::from_utf8(out).expect("utf-8"))
            }
        };
        let (result, out) = run(
            &["add", "Alice", "--role", "admin", "--password-stdin"],
            "first-admin-pw\n",
        )
        .await;
        assert_eq!(result, Ok(()));
        assert!(out.contains("added account alice"));

        let (result, _) = run(
            &["add", "alice", "--role", "admin", "--password-stdin"],
            "x\n",
        )
        .await;
        assert!(result.is_err(), "short password or duplicate");
        let (result, _) = run(
            &["add", "bob", "--role", "root", "--password-stdin"],
            "long-enough\n",
        )
        .await;
        assert!(
            result
                .expect_err("unknown role")
                .contains("unknown role `root`")
        );
        let (result, _) = run(&["add", "bob", "--role", "hr"], "").await;
        assert!(
            result
                .expect_err("no stdin flag")
                .contains("--password-stdin")
        );

        assert_eq!(
            run(&["set-roles", "alice", "--role", "hr,employee"], "")
                .await
                .0,
            Ok(())
        );
        assert_eq!(
            run(
                &["set-workmail-user", "alice", "jane.doe@demo.example.com"],
                ""
            )
            .await
            .0,
            Ok(())
        );
        assert_eq!(run(&["disable", "alice"], "").await.0, Ok(()));
        let (_, out) = run(&["list"], "").await;
        assert!(out.contains("alice"), "{out}");
        assert!(out.contains("employee,hr"), "{out}");
        assert!(out.contains(" no "), "{out}");
        assert!(out.contains("jane.doe@demo.example.com"), "{out}");

        assert_eq!(
            run(
                &["set-password", "alice", "--password-stdin"],
                "another-password\n"
            )
            .await
            .0,
            Ok(())
        );
        assert_eq!(run(&["remove", "alice"], "").await.0, Ok(()));
        assert!(run(&["remove", "alice"], "").await.0.is_err());
        assert!(run(&["frobnicate"], "").await.0.is_err());
    }
}
