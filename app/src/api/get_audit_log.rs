//! `get_audit_log`: one page of the audit log, for `/audit`.

use crate::domain::{AuditFilter, AuditPage};
use crate::wire::{ApiError, JsonText};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// The records matching `filter`, newest first. Only for roles the policy lets read the log.
#[server(prefix = "/api", endpoint = "get_audit_log", input = Json, output = JsonText)]
pub async fn get_audit_log(filter: AuditFilter) -> Result<AuditPage, ApiError> {
    let result = async {
        crate::use_cases::Caller::current()?
            .read_log(&filter, crate::domain::AUDIT_PAGE_SIZE)
            .await
    };
    super::with_status(result.await)
}
