//! The commands: `workmail-portal accounts …` manages portal accounts in the portal database;
//! `workmail-portal export …` writes the directory to a file.
//!
//! ```text
//! workmail-portal export --format json|csv|ldif [--output FILE] [--base-dn DN]
//! workmail-portal accounts add NAME --role ROLE [--role ROLE…] [--workmail-user EMAIL] --password-stdin
//! workmail-portal accounts list
//! workmail-portal accounts set-roles NAME --role ROLE [--role ROLE…]
//! workmail-portal accounts set-password NAME --password-stdin
//! workmail-portal accounts set-workmail-user NAME (EMAIL | --none)
//! workmail-portal accounts disable NAME | enable NAME | remove NAME
//! ```
//! Roles must exist in the policy (`PORTAL_POLICY` or the defaults). The database is the one
//! the server uses (`PORTAL_DATABASE_URL`, or `PORTAL_DATA_DIR/portal.sqlite3`).
//!
//! clap reads the command line; what it leaves to this module (an empty role list, a missing
//! `--password-stdin`, both or neither of EMAIL and `--none`) keeps the messages it had before.

use crate::account_admin::AccountAdmin;
use crate::audit::{SqlAuditLog, ValueModes};
use crate::auth::password::MIN_PASSWORD_CHARS;
use crate::config::PortalConfig;
use crate::store::AccountStore;
use app::domain::{AccountChange, AuditEntry, ExportFormat, Password, check_base_dn};
use app::ports::AuditLog;
use app::use_cases::exporting::{export_everything, export_record};
use clap::error::ErrorKind;
use clap::{Args, CommandFactory, Parser, Subcommand};
use std::io::{BufRead, Write};
use std::sync::Arc;

/// Serves the WorkMail self-service portal (settings: PORTAL_* variables); with a command,
/// runs that command instead.
#[derive(Debug, Parser)]
// `help` is main.rs's (it prints this help); repeating a flag keeps the last value, as the
// hand-written parser did.
#[command(
    name = "workmail-portal",
    disable_help_subcommand = true,
    args_override_self = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Manages portal accounts in the portal database (PORTAL_DATABASE_URL, or
    /// PORTAL_DATA_DIR/portal.sqlite3).
    #[command(subcommand)]
    Accounts(AccountsCommand),
    /// Exports every user of the directory (the one the server is configured with) to a file:
    /// JSON seeds a WorkMail emulator, CSV suits spreadsheets and bulk-upload tools, LDIF loads
    /// into an LDAP directory. Audited as one record in the portal database.
    Export(ExportArgs),
}

#[derive(Debug, Args)]
struct ExportArgs {
    /// The file format.
    #[arg(long, value_enum)]
    format: FormatArg,
    /// Where to write the file (default: standard output).
    #[arg(long, value_name = "FILE")]
    output: Option<std::path::PathBuf>,
    /// Where the LDIF entries go, such as ou=people,dc=example,dc=com (LDIF only, required).
    #[arg(long, value_name = "DN")]
    base_dn: Option<String>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum FormatArg {
    Json,
    Csv,
    Ldif,
}

impl From<FormatArg> for ExportFormat {
    fn from(format: FormatArg) -> Self {
        match format {
            FormatArg::Json => ExportFormat::Json,
            FormatArg::Csv => ExportFormat::Csv,
            FormatArg::Ldif => ExportFormat::Ldif,
        }
    }
}

#[derive(Debug, Subcommand)]
enum AccountsCommand {
    /// Adds an account; its password is the first line of stdin.
    Add {
        /// The account's login name.
        name: String,
        #[command(flatten)]
        roles: Roles,
        /// The WorkMail user (email address) the account is, for roles scoped to "self" or
        /// "department".
        #[arg(long, value_name = "EMAIL")]
        workmail_user: Option<String>,
        /// Read the password from the first line of stdin (required: a password is never
        /// taken from the command line).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Lists the accounts.
    List,
    /// Replaces an account's roles.
    SetRoles {
        /// The account's login name.
        name: String,
        #[command(flatten)]
        roles: Roles,
    },
    /// Changes an account's password (the first line of stdin); its sessions end.
    SetPassword {
        /// The account's login name.
        name: String,
        /// Read the password from the first line of stdin (required).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Links an account to a WorkMail user, or unlinks it with --none.
    SetWorkmailUser {
        /// The account's login name.
        name: String,
        /// The WorkMail user's email address.
        email: Option<String>,
        /// Unlink the account from its WorkMail user.
        #[arg(long)]
        none: bool,
    },
    /// Disables an account: it cannot sign in, and its sessions end.
    Disable {
        /// The account's login name.
        name: String,
    },
    /// Enables a disabled account.
    Enable {
        /// The account's login name.
        name: String,
    },
    /// Removes an account.
    Remove {
        /// The account's login name.
        name: String,
    },
}

/// `--role ROLE`, repeated or comma-separated.
#[derive(Debug, Args)]
struct Roles {
    /// A role of the policy (at least one); repeat the option or separate roles with commas.
    #[arg(long = "role", value_name = "ROLE")]
    role: Vec<String>,
}

impl Roles {
    /// The role names given, trimmed, without empty ones.
    fn names(&self) -> Vec<String> {
        self.role
            .iter()
            .flat_map(|value| value.split(','))
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty())
            .collect()
    }
}

/// `workmail-portal --help`: what the binary does and its commands.
pub fn usage() -> String {
    Cli::command()
        .render_help()
        .to_string()
        .trim_end()
        .to_owned()
}

/// Parses the words after `workmail-portal accounts`.
fn parse_accounts(args: &[String]) -> Result<AccountsCommand, clap::Error> {
    match parse("accounts", args)? {
        Command::Accounts(command) => Ok(command),
        // Not reached: the words start with `accounts`.
        Command::Export(_) => Err(Cli::command().error(ErrorKind::InvalidSubcommand, "accounts")),
    }
}

/// Parses the words after `workmail-portal export`.
fn parse_export(args: &[String]) -> Result<ExportArgs, clap::Error> {
    match parse("export", args)? {
        Command::Export(export) => Ok(export),
        // Not reached: the words start with `export`.
        Command::Accounts(_) => Err(Cli::command().error(ErrorKind::InvalidSubcommand, "export")),
    }
}

fn parse(command: &str, args: &[String]) -> Result<Command, clap::Error> {
    let words = ["workmail-portal", command]
        .into_iter()
        .map(str::to_owned)
        .chain(args.iter().cloned());
    Cli::try_parse_from(words)?
        .command
        .ok_or_else(|| Cli::command().error(ErrorKind::MissingSubcommand, "give a command"))
}

/// Runs `export <args>`: the file goes to `--output` (or `out`), progress and the summary to
/// `progress`.
pub async fn run_export(
    args: &[String],
    config: &PortalConfig,
    out: &mut (dyn Write + Send),
    progress: &mut (dyn Write + Send),
) -> Result<(), String> {
    let args = match parse_export(args) {
        Ok(args) => args,
        Err(help) if !help.use_stderr() => {
            return writeln!(out, "{}", help.to_string().trim_end())
                .map_err(|e| format!("cannot write: {e}"));
        }
        Err(error) => return Err(refusal(&error)),
    };
    let format = ExportFormat::from(args.format);
    let base_dn = match (format, &args.base_dn) {
        (ExportFormat::Ldif, Some(dn)) => Some(dn.trim().to_owned()),
        (ExportFormat::Ldif, None) => {
            return Err(
                "an LDIF export needs --base-dn, such as ou=people,dc=example,dc=com".into(),
            );
        }
        (_, Some(_)) => return Err("--base-dn is for --format ldif only".into()),
        (_, None) => None,
    };
    if let Some(dn) = &base_dn {
        check_base_dn(dn).map_err(|problem| format!("--base-dn: {problem}"))?;
    }
    if config.database_url.is_none() {
        crate::start::create_data_dir(config).map_err(|e| e.to_string())?;
    }
    let database = crate::store::open(config)
        .await
        .map_err(|e| format!("PORTAL_DATABASE_URL: {e}"))?;
    let modes = ValueModes::new(&config.audit_hashed_fields, &config.audit_redacted_fields);
    let audit = SqlAuditLog::open(database.pool.clone(), modes)
        .await
        .map_err(|e| format!("cannot open the audit log: {e}"))?;
    let (emulator, directory) = crate::directory::connect::connect(config)
        .await
        .map_err(|e| e.to_string())?;
    // Progress is best effort: a closed stderr must not stop the export.
    let read = std::sync::Mutex::new(progress);
    let report = |users: usize| {
        if let Ok(mut progress) = read.lock() {
            let _ = writeln!(progress, "read {users} users");
        }
    };
    // The command runs with the server's own access to the directory: everything it holds.
    let collected = export_everything(&*directory, &report).await;
    if let Some(emulator) = emulator {
        emulator.shutdown().await;
    }
    let progress = read
        .into_inner()
        .map_err(|_| "progress output failed".to_owned())?;
    let result = match collected {
        Ok(export) => {
            let bytes = crate::export::render(&export, format, base_dn.as_deref());
            let written = match &args.output {
                Some(path) => write_private(path, &bytes)
                    .map_err(|e| format!("cannot write {}: {e}", path.display())),
                None => out
                    .write_all(&bytes)
                    .map_err(|e| format!("cannot write: {e}")),
            };
            written
                .map(|()| export.users.len())
                .map_err(|message| app::wire::ApiError {
                    message,
                    ..app::wire::ApiError::new(app::wire::ErrorKind::Internal)
                })
        }
        Err(error) => Err(error),
    };
    let entry = AuditEntry {
        account: format!(
            "command line ({})",
            std::env::var("USER").unwrap_or_else(|_| "unknown user".to_owned())
        ),
        request_id: "command-line".to_owned(),
        ..AuditEntry::default()
    };
    let recorded = audit
        .record(export_record(entry, format, result.as_ref().copied()))
        .await;
    database.pool.close().await;
    let users = result.map_err(|error| error.message)?;
    recorded.map_err(|e| format!("exported, but the audit record failed: {e}"))?;
    writeln!(
        progress,
        "exported {users} users as {format}{}",
        args.output
            .as_ref()
            .map(|path| format!(" to {}", path.display()))
            .unwrap_or_default()
    )
    .map_err(|e| format!("cannot write: {e}"))
}

/// Writes `bytes` to a new or truncated file only its owner may read: an export holds the
/// whole directory.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
}

/// clap's message for a command line it refused, without its `error: ` (main.rs prefixes
/// `workmail-portal accounts: `).
fn refusal(error: &clap::Error) -> String {
    let text = error.to_string();
    text.strip_prefix("error: ")
        .unwrap_or(&text)
        .trim_end()
        .to_owned()
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

/// Runs `accounts <args>`; what it prints goes to `out` (`--help` included).
pub async fn run_accounts(
    args: &[String],
    config: &PortalConfig,
    stdin: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<(), String> {
    let command = match parse_accounts(args) {
        Ok(command) => command,
        // `--help` is not an error: the help is the output.
        Err(help) if !help.use_stderr() => {
            return writeln!(out, "{}", help.to_string().trim_end())
                .map_err(|e| format!("cannot write: {e}"));
        }
        Err(error) => return Err(refusal(&error)),
    };
    let policy = crate::load_policy(config).map_err(|e| e.to_string())?;
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
    // The same rules as the accounts page.
    let admin = AccountAdmin::new(AccountStore::new(&database), Arc::new(policy));
    let say = |out: &mut dyn Write, text: String| {
        writeln!(out, "{text}").map_err(|e| format!("cannot write: {e}"))
    };
    let password = |given: bool, stdin: &mut dyn BufRead| -> Result<Password, String> {
        if !given {
            return Err(
                "give --password-stdin and the password on stdin (never on the command line)"
                    .to_owned(),
            );
        }
        read_password(stdin).map(Password)
    };
    let result = async {
        let change = match &command {
            AccountsCommand::List => {
                say(
                    out,
                    format!(
                        "{:<24} {:<8} {:<24} {:<28} last sign-in",
                        "name", "enabled", "roles", "workmail user"
                    ),
                )?;
                for account in admin.list().await.map_err(|e| e.to_string())? {
                    let source = match &account.sso {
                        Some(sso) => format!(" (single sign-on: {})", sso.issuer),
                        None => String::new(),
                    };
                    say(
                        out,
                        format!(
                            "{:<24} {:<8} {:<24} {:<28} {}{source}",
                            account.login,
                            if account.enabled { "yes" } else { "no" },
                            account.roles.join(","),
                            account.workmail_user.as_deref().unwrap_or("-"),
                            account
                                .last_sign_in_at
                                .map_or_else(|| "never".to_owned(), |at| format!("{at}")),
                        ),
                    )?;
                }
                return Ok(());
            }
            AccountsCommand::Add {
                name,
                roles,
                workmail_user,
                password_stdin,
            } => {
                let roles = roles.names();
                if roles.is_empty() {
                    return Err("give at least one --role".to_owned());
                }
                AccountChange::Create {
                    login: name.clone(),
                    roles,
                    workmail_user: workmail_user.clone(),
                    password: password(*password_stdin, stdin)?,
                }
            }
            AccountsCommand::SetRoles { name, roles } => {
                let roles = roles.names();
                if roles.is_empty() {
                    return Err("give at least one --role".to_owned());
                }
                AccountChange::SetRoles {
                    login: name.clone(),
                    roles,
                }
            }
            AccountsCommand::SetPassword {
                name,
                password_stdin,
            } => AccountChange::SetPassword {
                login: name.clone(),
                password: password(*password_stdin, stdin)?,
            },
            AccountsCommand::SetWorkmailUser { name, email, none } => {
                let user = match (email, none) {
                    (Some(email), false) => Some(email.trim().to_owned()),
                    (None, true) => None,
                    _ => return Err("give the WorkMail user's email address, or --none".to_owned()),
                };
                AccountChange::SetWorkmailUser {
                    login: name.clone(),
                    user,
                }
            }
            AccountsCommand::Disable { name } | AccountsCommand::Enable { name } => {
                AccountChange::SetEnabled {
                    login: name.clone(),
                    enabled: matches!(command, AccountsCommand::Enable { .. }),
                }
            }
            AccountsCommand::Remove { name } => AccountChange::Remove {
                login: name.clone(),
            },
        };
        admin.apply(&change).await.map_err(|e| e.to_string())?;
        say(out, change.describe())
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
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn options_are_read_in_any_order() {
        let AccountsCommand::Add {
            name,
            roles,
            workmail_user,
            password_stdin,
        } = parse_accounts(&args(&[
            "add",
            "alice",
            "--role",
            "hr,employee",
            "--workmail-user",
            "alice@x",
            "--password-stdin",
        ]))
        .expect("valid")
        else {
            panic!("parsed as another command");
        };
        assert_eq!(name, "alice");
        assert_eq!(roles.names(), ["hr", "employee"]);
        assert_eq!(workmail_user.as_deref(), Some("alice@x"));
        assert!(password_stdin);
        assert!(parse_accounts(&args(&["add", "alice", "--password", "x"])).is_err());
        assert!(parse_accounts(&args(&["add", "alice", "--role"])).is_err());
    }

    #[test]
    fn every_command_has_help() {
        for command in [
            "add",
            "list",
            "set-roles",
            "set-password",
            "set-workmail-user",
            "disable",
            "enable",
            "remove",
        ] {
            let help = parse_accounts(&args(&[command, "--help"])).expect_err("help");
            assert_eq!(help.kind(), ErrorKind::DisplayHelp, "{command}");
            assert!(
                help.to_string()
                    .contains(&format!("workmail-portal accounts {command}")),
                "{help}"
            );
        }
        assert!(usage().contains("accounts"), "{}", usage());
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
        assert!(out.contains("created local account alice"), "{out}");

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

        // Alice is the only admin: she keeps the right to manage accounts until someone else
        // has it.
        let (result, _) = run(&["set-roles", "alice", "--role", "hr,employee"], "").await;
        assert!(
            result
                .expect_err("last admin")
                .contains("the last enabled one")
        );
        let (result, _) = run(
            &["add", "carol", "--role", "admin", "--password-stdin"],
            "second-admin-pw\n",
        )
        .await;
        assert_eq!(result, Ok(()));
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
