//! The directories the portal works on, each an implementation of the app's `Directory` port
//! (plain types only): WorkMail ([`workmail`], through aws-sdk-workmail: Amazon WorkMail, an
//! endpoint, or the embedded emulator in-process) and LDAP ([`ldap`]). [`connect`] opens the
//! configured one and checks it at start-up.

pub mod connect;
mod error_mapping;
pub mod in_process;
pub mod ldap;
pub mod workmail;

pub use error_mapping::{kind_for_code, map_sdk_error};
pub use workmail::{ClientSettings, WorkMailDirectory, build_client};
