//! What the browser and the server exchange: the one error the browser sees, the views the
//! server functions answer with, the save request, and the forms' contracts (field names,
//! what a refused post shows again). Below the use cases, so both they and the pages use it.

pub mod edit_form;
mod error;
mod json_text;
mod save;
mod sign_in;
mod views;

pub use edit_form::{EditorState, FormAccess, Notice, RejectedSave, read_submission};
pub use error::{ApiError, ErrorKind};
pub use json_text::{JsonText, JsonTextEncoding};
pub use save::{SaveOutcome, SaveRequest, SavedProfile};
pub use sign_in::{LoginAttempt, LoginProblem, SignInOptions};
pub use views::{
    AccountChangeRefused, AccountsView, Dashboard, DirectoryRow, DirectoryView, ExportRefused,
    ExportsView, GeneratedPassword, History, RecentChange, TaskRefused, TasksView, UserView,
};
